// Lays a run's job graph out in columns for an SVG drawing, and finds its critical path.
// Pure and free of imports, so the unit tests run it under Node as it runs in the browser.

export interface LayoutJob {
  readonly id: string;
  /** Ids of the jobs this one needs (unknown ids are ignored). */
  readonly needs: readonly string[];
}

export interface LayoutSizes {
  readonly nodeWidth: number;
  /** A node's height (a matrix job grows with its instances). */
  readonly nodeHeight: (id: string) => number;
  readonly gapX: number;
  readonly gapY: number;
  readonly padding: number;
}

export interface PlacedNode {
  readonly id: string;
  /** 0 for jobs that need nothing, else one more than the deepest job they need. */
  readonly column: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  /** SVG path data: a curve from the needed job's right side to the dependent's left side. */
  readonly d: string;
}

export interface GraphLayout {
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

/**
 * Columns by depth (a job stands right of everything it needs), each column ordered by where
 * its jobs' needs stand (the barycentre heuristic, one pass) to keep edges from crossing,
 * and centred on the tallest column. `jobs` must come in an order that respects `needs`, as
 * the API's graph does.
 */
export function layoutGraph(jobs: readonly LayoutJob[], sizes: LayoutSizes): GraphLayout {
  const known = new Set(jobs.map((job) => job.id));
  const needsOf = new Map(jobs.map((job) => [job.id, job.needs.filter((need) => known.has(need) && need !== job.id)]));
  const column = new Map<string, number>();
  for (const job of jobs) {
    const depths = (needsOf.get(job.id) ?? []).map((need) => column.get(need) ?? 0);
    column.set(job.id, depths.length === 0 ? 0 : Math.max(...depths) + 1);
  }

  const columns: string[][] = [];
  for (const job of jobs) (columns[column.get(job.id) ?? 0] ??= []).push(job.id);
  const row = new Map<string, number>();
  const inputIndex = new Map(jobs.map((job, index) => [job.id, index]));
  for (const ids of columns) {
    if (!ids) continue;
    const centre = (id: string) => {
      const rows = (needsOf.get(id) ?? []).map((need) => row.get(need) ?? 0);
      return rows.length === 0 ? (inputIndex.get(id) ?? 0) : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    const keyed = ids.map((id) => ({ id, centre: centre(id), index: inputIndex.get(id) ?? 0 }));
    keyed.sort((a, b) => a.centre - b.centre || a.index - b.index);
    keyed.forEach((entry, index) => {
      ids[index] = entry.id;
      row.set(entry.id, index);
    });
  }

  const columnHeight = (ids: readonly string[]) => ids.reduce((sum, id) => sum + sizes.nodeHeight(id), 0) + sizes.gapY * Math.max(0, ids.length - 1);
  const tallest = Math.max(0, ...columns.map((ids) => columnHeight(ids ?? [])));
  const nodes: PlacedNode[] = [];
  const placed = new Map<string, PlacedNode>();
  columns.forEach((ids, index) => {
    let y = sizes.padding + (tallest - columnHeight(ids)) / 2;
    for (const id of ids) {
      const node = { id, column: index, x: sizes.padding + index * (sizes.nodeWidth + sizes.gapX), y, width: sizes.nodeWidth, height: sizes.nodeHeight(id) };
      nodes.push(node);
      placed.set(id, node);
      y += node.height + sizes.gapY;
    }
  });

  const edges: PlacedEdge[] = [];
  for (const job of jobs) {
    const to = placed.get(job.id) as PlacedNode;
    for (const need of needsOf.get(job.id) ?? []) {
      const from = placed.get(need) as PlacedNode;
      const x1 = from.x + from.width;
      const y1 = from.y + from.height / 2;
      const x2 = to.x;
      const y2 = to.y + to.height / 2;
      const bend = Math.max(sizes.gapX / 2, (x2 - x1) / 3);
      edges.push({ from: need, to: job.id, d: `M${x1} ${y1}C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}` });
    }
  }

  return {
    nodes,
    edges,
    width: sizes.padding * 2 + columns.length * sizes.nodeWidth + Math.max(0, columns.length - 1) * sizes.gapX,
    height: sizes.padding * 2 + tallest,
  };
}

/**
 * The heaviest chain of needs, first job to last: the jobs that bounded how long the run took
 * (`deploylite graph` finds the same chain with every job weighing 1). Ties go to the need
 * listed first and to the chain ending earlier, so the answer does not flicker between polls.
 */
export function criticalPath(jobs: readonly LayoutJob[], weight: (id: string) => number): string[] {
  const total = new Map<string, number>();
  const previous = new Map<string, string>();
  let end: string | undefined;
  for (const job of jobs) {
    let best: string | undefined;
    for (const need of job.needs) {
      const sum = total.get(need);
      if (sum !== undefined && (best === undefined || sum > (total.get(best) as number))) best = need;
    }
    const sum = weight(job.id) + (best === undefined ? 0 : (total.get(best) as number));
    total.set(job.id, sum);
    if (best !== undefined) previous.set(job.id, best);
    if (end === undefined || sum > (total.get(end) as number)) end = job.id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = previous.get(id)) path.push(id);
  return path.reverse();
}

/**
 * One status for a job's matrix instances: work in progress first (running, then pending),
 * then the worst outcome. No instances yet means the job is waiting for its needs.
 */
export function combinedStatus<S extends string>(statuses: readonly S[]): S | 'waiting' {
  if (statuses.length === 0) return 'waiting';
  for (const status of ['running', 'pending', 'failed', 'cancelled', 'success'] as const) {
    if ((statuses as readonly string[]).includes(status)) return status as S;
  }
  return statuses[0] as S;
}
