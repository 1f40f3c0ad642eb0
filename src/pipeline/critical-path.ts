import type { PipelineGraph } from './build-graph.js';

/**
 * The heaviest chain of `needs` through the graph, from its first job to its last: the jobs
 * that bound the run's duration however many run in parallel. Each job weighs 1 unless
 * `weight` says otherwise (e.g. its last duration). Ties go to the need listed first and
 * to the chain ending earlier in graph order, so the answer is stable.
 */
export function criticalPath(graph: PipelineGraph, weight: (jobId: string) => number = () => 1): string[] {
  const total = new Map<string, number>();
  const previous = new Map<string, string>();
  let end: string | undefined;
  for (const id of graph.order) {
    let bestNeed: string | undefined;
    for (const need of graph.needs.get(id) ?? []) {
      const needTotal = total.get(need);
      if (needTotal !== undefined && (bestNeed === undefined || needTotal > (total.get(bestNeed) as number))) bestNeed = need;
    }
    const own = weight(id);
    const sum = (Number.isFinite(own) ? own : 0) + (bestNeed === undefined ? 0 : (total.get(bestNeed) as number));
    total.set(id, sum);
    if (bestNeed !== undefined) previous.set(id, bestNeed);
    if (end === undefined || sum > (total.get(end) as number)) end = id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = previous.get(id)) path.push(id);
  return path.reverse();
}
