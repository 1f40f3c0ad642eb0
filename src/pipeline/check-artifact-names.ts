import type { Node } from 'yaml';
import type { DiagnosticCollector } from './diagnostic-collector.js';
import type { ReadJob } from './read-job.js';

/**
 * Two jobs whose artifacts have the same name (an explicit `artifacts.name`, else the job's id) would
 * overwrite each other in a run; the server refuses the second at upload time, so the pipeline is refused
 * here instead, at the second job, before anything runs.
 */
export function checkArtifactNames(report: DiagnosticCollector, jobs: readonly ReadJob[], jobKeys: ReadonlyMap<string, Node>): void {
  const owners = new Map<string, string>();
  for (const { spec } of jobs) {
    if (!spec.artifacts) continue;
    const name = spec.artifacts.name ?? spec.id;
    const owner = owners.get(name);
    if (owner === undefined) {
      owners.set(name, spec.id);
      continue;
    }
    report.error('pipeline.duplicate-artifact', `job "${spec.id}": artifact name "${name}" is already used by job "${owner}" (set "artifacts.name" to tell them apart)`, jobKeys.get(spec.id) ?? 0);
  }
}
