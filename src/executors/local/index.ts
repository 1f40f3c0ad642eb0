export type { LocalExecutorOptions, LocalJobState, StepLaunch } from './local-executor.js';
export { createLocalExecutor, LocalExecutor } from './local-executor.js';
