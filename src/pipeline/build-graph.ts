import { findCycles } from './find-cycles.js';

/** The jobs' dependency graph. */
export interface PipelineGraph {
  /** Every job in an order that respects `needs` (Kahn's algorithm, ties broken by file order). */
  readonly order: readonly string[];
  /** Job id → the jobs it needs, as written (unknown ids and repeats dropped). */
  readonly needs: ReadonlyMap<string, readonly string[]>;
  /** Job id → the jobs that need it, in file order. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

export type BuildGraphResult = { graph: PipelineGraph; cycles: [] } | { graph?: undefined; cycles: string[][] };

/**
 * Orders the jobs with Kahn's algorithm: of the jobs whose needs are all done, the one
 * written first in the file comes first, so the order is stable and predictable. When the
 * needs form cycles, returns them instead: one per strongly connected group of jobs, each
 * listed so that every job is needed by the next and the last by the first (the first id
 * is not repeated at the end). Needs naming unknown jobs are ignored (the compiler reports
 * them); of jobs sharing an id, the first counts.
 */
export function buildGraph(jobs: readonly { id: string; needs: readonly string[] }[]): BuildGraphResult {
  const fileIndex = new Map<string, number>();
  const ids: string[] = [];
  for (const job of jobs) {
    if (fileIndex.has(job.id)) continue;
    fileIndex.set(job.id, ids.length);
    ids.push(job.id);
  }
  const needs = new Map<string, string[]>(ids.map((id) => [id, []]));
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.id)) continue;
    seen.add(job.id);
    const own = needs.get(job.id) as string[];
    for (const need of job.needs) {
      if (!fileIndex.has(need) || own.includes(need)) continue;
      own.push(need);
      (dependents.get(need) as string[]).push(job.id);
    }
  }

  const waitingOn = ids.map((id) => (needs.get(id) as string[]).length);
  const ready = new MinHeap();
  waitingOn.forEach((count, index) => count === 0 && ready.push(index));
  const order: string[] = [];
  while (ready.size > 0) {
    const id = ids[ready.pop()] as string;
    order.push(id);
    for (const dependent of dependents.get(id) as string[]) {
      const index = fileIndex.get(dependent) as number;
      waitingOn[index] = (waitingOn[index] as number) - 1;
      if (waitingOn[index] === 0) ready.push(index);
    }
  }
  if (order.length === ids.length) return { graph: { order, needs, dependents }, cycles: [] };

  const done = new Set(order);
  const blocked = ids.filter((id) => !done.has(id));
  return { cycles: findCycles(blocked, (id) => dependents.get(id) ?? []) };
}

/** A binary min-heap of file indices: the ready job written first comes out first. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[child] = items[parent] as number;
      child = parent;
    }
    items[child] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    if (items.length === 0) return top;
    let parent = 0;
    for (;;) {
      const left = parent * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[parent] = items[child] as number;
      parent = child;
    }
    items[parent] = last;
    return top;
  }
}
