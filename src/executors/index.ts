// The executors, each an implementation of the engine's `Executor` (src/engine/executor.ts).
export { FakeExecutor } from './fake/index.js';
export type { LocalExecutorOptions } from './local/index.js';
export { createLocalExecutor, LocalExecutor } from './local/index.js';
