import { DeployliteError } from '../../core/index.js';

/**
 * The signature does not match the blob under this public key: the blob was changed, the signature was
 * changed, or another key signed it. Cryptography cannot tell these apart, so neither does the message.
 */
export class SignatureMismatchError extends DeployliteError {
  constructor(readonly digest: string) {
    super('signature.mismatch', `the signature does not match the content (${digest}) under this public key: the content or the signature was changed, or another key signed it`);
  }
}

/** The signature is not base64 of a DER-encoded ECDSA signature (what `cosign sign-blob` writes). */
export class SignatureMalformedError extends DeployliteError {
  constructor(problem: string) {
    super('signature.malformed', `not a signature: ${problem} (expected base64 of a DER-encoded ECDSA signature, as cosign sign-blob writes)`);
  }
}

/** A key that is not an ECDSA P-256 key in the expected PEM form. The key's text never appears in the message. */
export class SigningKeyInvalidError extends DeployliteError {
  constructor(which: 'public' | 'private', problem: string) {
    super('signature.invalid-key', `not an ECDSA P-256 ${which} key: ${problem}`);
  }
}
