export type { CliContext, Writable } from './cli-context.js';
export { EXIT } from './cli-context.js';
export { runCli } from './program.js';
