/**
 * One cycle per strongly connected group of `nodes` (Tarjan's algorithm, iterative so a
 * long chain cannot overflow the stack). Each cycle starts at the group's node that comes
 * first in `nodes` and follows `next` edges back to it by the shortest way; the start is not
 * repeated at the end. Listing every elementary cycle could take exponential time, and one
 * per group already tells the user which jobs to untangle.
 */
export function findCycles(nodes: readonly string[], next: (node: string) => readonly string[]): string[][] {
  const inScope = new Set(nodes);
  const edges = (node: string) => next(node).filter((to) => inScope.has(to));
  const rank = new Map(nodes.map((node, i) => [node, i]));
  const cycles: string[][] = [];
  for (const group of stronglyConnected(nodes, edges)) {
    const start = group.reduce((a, b) => ((rank.get(a) as number) <= (rank.get(b) as number) ? a : b));
    const members = new Set(group);
    const isCycle = group.length > 1 || edges(start).includes(start);
    if (isCycle) cycles.push(shortestCycle(start, (node) => edges(node).filter((to) => members.has(to))));
  }
  return cycles.sort((a, b) => (rank.get(a[0] as string) as number) - (rank.get(b[0] as string) as number));
}

function stronglyConnected(nodes: readonly string[], edges: (node: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;
  const open = (node: string, work: { node: string; targets: string[]; next: number }[]) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    work.push({ node, targets: edges(node), next: 0 });
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; targets: string[]; next: number }[] = [];
    open(root, work);
    while (work.length > 0) {
      const frame = work[work.length - 1] as (typeof work)[number];
      if (frame.next < frame.targets.length) {
        const target = frame.targets[frame.next++] as string;
        if (!index.has(target)) open(target, work);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.node);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** Breadth-first from `start` until an edge leads back to it. */
function shortestCycle(start: string, edges: (node: string) => string[]): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    for (const to of edges(node)) {
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0] as string) as string);
        return path;
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start];
}
