import { writeFileSync } from 'node:fs';
import type { RunResult } from '../engine/index.js';

/**
 * The `--report FILE` JSON. Matrix instances share their job's `id` and carry their
 * `matrix` values. Everything in it was masked before it was stored.
 */
export function buildRunReport(result: RunResult) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: result.run.id,
    name: result.run.name,
    file: result.run.file,
    status: result.run.status,
    startedAt: iso(result.run.startedAt),
    finishedAt: iso(result.run.finishedAt),
    jobs: result.jobs.map((job) => ({
      id: job.jobId,
      name: job.name,
      matrix: job.matrix,
      status: job.status,
      attempts: job.attempts,
      exitCode: job.exitCode,
      startedAt: iso(job.startedAt),
      finishedAt: iso(job.finishedAt),
      outputs: job.outputs,
      error: job.error,
      continueOnError: job.continueOnError,
      rollback: job.rollbackStatus ? { status: job.rollbackStatus } : null,
    })),
  };
}

export function writeRunReport(file: string, result: RunResult): void {
  writeFileSync(file, JSON.stringify(buildRunReport(result), null, 2) + '\n');
}
