export type { SandboxExecutorOptions, SandboxLimits } from './sandbox-executor.js';
export { createSandboxExecutor, DEFAULT_SANDBOX_LIMITS, SANDBOX_BASE_ENV, SandboxExecutor } from './sandbox-executor.js';
