export type { ControlPlane, ControlPlaneConfig } from './control-plane.js';
export { startControlPlane } from './control-plane.js';
