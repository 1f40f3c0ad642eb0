export type { ControlPlane, ControlPlaneConfig } from './control-plane.js';
export { startControlPlane } from './control-plane.js';
export { MIN_PASSWORD_LENGTH } from './auth/passwords.js';
