export {
  BlobSigner,
  signBlob,
  verifyBlobSignature,
  type BlobSignature,
  type SignBlobOptions,
  type VerifyBlobSignatureOptions,
} from './blob-signature.js';
export { SignatureMalformedError, SignatureMismatchError, SigningKeyInvalidError } from './signature-errors.js';
export { generateSigningKeyPair, publicKeyPemOf, type SigningKeyPair } from './signing-keys.js';
export { createProjectSigningKey, openProjectSigningKey, type KeySealer, type StoredSigningKey } from './sealed-signing-key.js';
