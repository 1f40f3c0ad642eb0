export type { ResourceLimits } from './container-config.js';
export type { DockerExecutorOptions } from './docker-executor.js';
export { createDockerExecutor, DockerExecutor, openDockerExecutor } from './docker-executor.js';
export { LABEL_JOB, LABEL_RUN, LABEL_RUNNER } from './labels.js';
export type { RemovedLeftovers } from './remove-leftovers.js';
export { removeLeftovers } from './remove-leftovers.js';
export { dockerConnection } from './docker-connection.js';
