// The executors, each an implementation of the engine's `Executor` (src/engine/executor.ts).
export type { CreatedExecutor, ExecutorName, ExecutorSettings } from './create-executor.js';
export { createExecutor, EXECUTOR_NAMES, parseExecutorName, parseNetworkMode } from './create-executor.js';
export { FakeExecutor } from './fake/index.js';
export type { LocalExecutorOptions } from './local/index.js';
export { createLocalExecutor, LocalExecutor } from './local/index.js';
export type { SandboxExecutorOptions, SandboxLimits } from './sandbox/index.js';
export { createSandboxExecutor, SandboxExecutor } from './sandbox/index.js';
