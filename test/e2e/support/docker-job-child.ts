// A stand-in for a runner in the middle of a job, for the crash test: it prepares a job with a service on the
// Docker executor, starts a long step, prints "running" and waits to be killed.
//   node --import tsx docker-job-child.ts SOCKET RUNNER_ID IMAGE SERVICE_IMAGE WORKSPACE
import { createDockerExecutor } from '../../../src/executors/docker/index.js';

const [socketPath, runnerId, image, serviceImage, workspaceDir] = process.argv.slice(2) as [string, string, string, string, string];
const executor = createDockerExecutor({ socketPath, runnerId });
const workspace = await executor.prepareJob({
  runId: 7,
  jobKey: 'deploy',
  jobId: 'deploy',
  workspaceDir,
  image,
  services: [{ name: 'pong', image: serviceImage, env: {}, aliases: [] }],
});
void executor.runStep(
  workspace,
  { script: 'echo running; sleep 600', env: {} },
  { onLine: (_stream, line) => console.log(line) },
  new AbortController().signal,
);
