import { UsageError } from '../core/index.js';
import type { JobSpec } from '../pipeline/index.js';

/**
 * The jobs to run for `--job ID...`: the named jobs and, transitively, the jobs they need
 * (their outputs and results are part of what the named jobs see). No filter: every job.
 */
export function selectJobs(jobs: readonly JobSpec[], filter: readonly string[]): JobSpec[] {
  if (filter.length === 0) return [...jobs];
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const unknown = filter.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new UsageError(`no job named ${unknown.map((id) => `"${id}"`).join(', ')} (jobs: ${[...byId.keys()].join(', ')})`);
  }
  const selected = new Set<string>();
  const stack = [...filter];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (selected.has(id)) continue;
    selected.add(id);
    stack.push(...(byId.get(id)?.needs ?? []));
  }
  return jobs.filter((job) => selected.has(job.id));
}
