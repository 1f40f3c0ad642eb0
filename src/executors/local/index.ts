export type { LocalExecutorOptions } from './local-executor.js';
export { createLocalExecutor, LocalExecutor } from './local-executor.js';
