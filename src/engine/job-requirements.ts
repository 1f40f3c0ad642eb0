import type { Diagnostic } from '../core/index.js';
import type { JobSpec } from '../pipeline/index.js';
import type { Executor } from './executor.js';

/**
 * Why `executor` cannot run `job` as the pipeline asks, as a diagnostic at the job's line, or undefined when it
 * can. A job that sets `image:` or `services:` needs a container executor, and `network: none` needs one that can cut the
 * network: running such a job somewhere that silently ignores the request would run untrusted code with more
 * access than its author asked for. `deploylite run` checks every job before the run starts; a runner checks
 * each job it is given, since its registered labels may predate its current executor.
 */
export function jobRequirementProblem(job: JobSpec, file: string, executor: Executor): Diagnostic | undefined {
  const at = { code: 'run.executor-mismatch', severity: 'error' as const, file, line: job.position.line, col: job.position.col };
  if (job.image !== undefined && executor.supports?.images !== true) {
    return {
      ...at,
      message: `job "${job.id}" sets image: "${job.image}" but the runner uses the ${executor.name} executor; image needs --executor docker or kubernetes`,
    };
  }
  if (job.services !== undefined && job.services.length > 0 && executor.supports?.images !== true) {
    return {
      ...at,
      message: `job "${job.id}" sets services: but the runner uses the ${executor.name} executor; services need --executor docker`,
    };
  }
  if (job.network === 'none' && executor.supports?.networkIsolation !== true) {
    return {
      ...at,
      message: `job "${job.id}" sets network: none but the ${executor.name} executor cannot cut a job's network; use --executor sandbox, docker or kubernetes`,
    };
  }
  return undefined;
}
