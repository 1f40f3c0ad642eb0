import type { Node } from 'yaml';
import { buildGraph } from './build-graph.js';
import type { DiagnosticCollector } from './diagnostic-collector.js';
import type { ReadJob } from './read-job.js';
import { didYouMean } from './suggest.js';

/**
 * The checks that need every job at once: `needs` naming jobs that do not exist, and
 * dependency cycles (one diagnostic per cycle, at the cycle's first job in the file).
 * `jobKeys` holds every job id written, so a need of a job that has errors of its own is
 * not reported as unknown too.
 */
export function checkNeeds(report: DiagnosticCollector, jobs: readonly ReadJob[], jobKeys: ReadonlyMap<string, Node>): void {
  for (const job of jobs) {
    for (const need of job.needs) {
      if (jobKeys.has(need.text)) continue;
      report.error('pipeline.unknown-need', `"needs" names unknown job "${need.text}"${didYouMean(need.text, jobKeys.keys())}`, need.node);
    }
  }
  const { cycles } = buildGraph(jobs.map((job) => job.spec));
  for (const cycle of cycles) {
    const first = cycle[0] as string;
    report.error('pipeline.cycle', `dependency cycle: ${[...cycle, first].join(' -> ')}`, jobKeys.get(first) ?? 0);
  }
}
