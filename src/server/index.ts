export type { ControlPlane, ControlPlaneConfig } from './control-plane.js';
export { startControlPlane } from './control-plane.js';
export { MIN_PASSWORD_LENGTH } from './auth/passwords.js';
export { addMasterKey, loadMasterKeys, retireOldMasterKeys } from './secrets/master-keys.js';
export { SecretVault } from './secrets/secret-vault.js';
