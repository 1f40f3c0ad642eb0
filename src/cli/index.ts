export type { CliContext, ExecutorChoice, MigrateFlags, RotateKeyFlags, RunnerFlags, ServerFlags, ServiceCommands, Writable } from './cli-context.js';
export { EXIT } from './cli-context.js';
export { runCli } from './program.js';
