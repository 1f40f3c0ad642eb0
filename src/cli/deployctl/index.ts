export type { DeployctlContext, DeployctlTiming } from './deployctl-context.js';
export { EXIT } from '../cli-context.js';
export { DEFAULT_TIMING } from './deployctl-context.js';
export { runDeployctl } from './run-deployctl.js';
export type { ConfigLocation } from './saved-login.js';
export { resolveConfigPath } from './saved-login.js';
export type { SecretInput } from './secret-input.js';
export { createStdinInput } from './secret-input.js';
