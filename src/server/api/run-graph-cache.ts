/** What `GET /api/v1/runs/{id}/graph` answers: the run's jobs in an order that respects `needs`. */
export interface RunGraphBody {
  readonly jobs: readonly { readonly id: string; readonly name: string; readonly needs: readonly string[]; readonly matrix: boolean }[];
}

/**
 * The graphs of recently viewed runs. A run's graph comes from its stored pipeline source,
 * which never changes (a retry runs the same source), so it can be kept; compiling a 500-job
 * pipeline takes a few hundred milliseconds, which every viewer of a run page would otherwise
 * wait for again. Bounded: the least recently used run is dropped first.
 */
export class RunGraphCache {
  private readonly graphs = new Map<number, RunGraphBody>();

  constructor(private readonly capacity = 200) {}

  async get(runId: number, build: () => Promise<RunGraphBody>): Promise<RunGraphBody> {
    const cached = this.graphs.get(runId);
    if (cached) {
      // Map keeps insertion order: re-inserting marks the run as the most recently used.
      this.graphs.delete(runId);
      this.graphs.set(runId, cached);
      return cached;
    }
    const graph = await build();
    this.graphs.set(runId, graph);
    if (this.graphs.size > this.capacity) this.graphs.delete(this.graphs.keys().next().value as number);
    return graph;
  }
}
