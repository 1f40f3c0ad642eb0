// The runner agent: registers with the server, long-polls it for jobs, runs them with the
// engine and an Executor in fresh checkouts, and ships their logs and results back. It
// meets the server only in src/protocol/.
export type { RunnerAgent, RunnerAgentOptions } from './runner-agent.js';
export { createRunnerAgent } from './runner-agent.js';
export type { RunnerRegistration } from './obtain-runner-token.js';
export type { RunnerLogger } from './runner-logger.js';
export type { RunnerState } from './runner-state-file.js';
export { readRunnerState } from './runner-state-file.js';
