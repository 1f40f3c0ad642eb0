import type { Kysely } from 'kysely';
import type { JobRecord } from '../../engine/index.js';
import { toJobRow } from './row-mappers.js';
import type { ControlDatabase } from './schema.js';

/** Rows per statement: 16 parameters each stays far below both databases' limits. */
const MAX_ROWS = 500;

interface PendingSave {
  readonly job: JobRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes job records in batches. A server running hundreds of jobs a second saves each one
 * two or three times (queued, running, finished); one upsert statement per save was a third
 * of its statements per job, each with its own commit. Here the saves made in the same turn
 * of the event loop, or while the previous batch was being written, go out as one multi-row
 * upsert: nothing waits for a timer, and under load the batches grow by themselves. Each
 * save's promise settles when the statement holding it has.
 */
export class JobRecordWriter {
  private pending: PendingSave[] = [];
  private writing: Promise<void> | undefined;
  private scheduled = false;

  constructor(private readonly db: Kysely<ControlDatabase>) {}

  save(job: JobRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      if (!this.writing && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.writeNext();
        });
      }
    });
  }

  /** Resolves once every save made so far has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.writing || this.scheduled || this.pending.length > 0) {
      if (!this.writing && !this.scheduled) this.writeNext();
      await (this.writing ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private writeNext(): void {
    if (this.writing || this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_ROWS);
    this.writing = this.write(batch.map((save) => save.job)).then(
      () => batch.forEach((save) => save.resolve()),
      // One bad record must not fail the others' saves: each is tried on its own.
      (error: unknown) =>
        batch.length === 1
          ? batch.forEach((save) => save.reject(error))
          : Promise.all(batch.map((save) => this.write([save.job]).then(save.resolve, save.reject))).then(() => undefined),
    );
    void this.writing.finally(() => {
      this.writing = undefined;
      this.writeNext();
    });
  }

  /**
   * Insert or replace by (run id, key); a replaced job keeps its `seq` (its place in the
   * run's list). A job saved twice in one batch is written once, as last saved: one
   * statement may not change a row twice.
   */
  private async write(jobs: readonly JobRecord[]): Promise<void> {
    const latest = new Map<string, JobRecord>();
    for (const job of jobs) latest.set(`${job.runId}\u0000${job.key}`, job);
    await this.db
      .insertInto('jobs')
      .values([...latest.values()].map(toJobRow))
      .onConflict((oc) =>
        oc.columns(['run_id', 'key']).doUpdateSet((eb) => ({
          matrix_index: eb.ref('excluded.matrix_index'),
          matrix: eb.ref('excluded.matrix'),
          name: eb.ref('excluded.name'),
          status: eb.ref('excluded.status'),
          attempts: eb.ref('excluded.attempts'),
          exit_code: eb.ref('excluded.exit_code'),
          started_at: eb.ref('excluded.started_at'),
          finished_at: eb.ref('excluded.finished_at'),
          outputs: eb.ref('excluded.outputs'),
          rollback_status: eb.ref('excluded.rollback_status'),
          error: eb.ref('excluded.error'),
          continue_on_error: eb.ref('excluded.continue_on_error'),
          pid: eb.ref('excluded.pid'),
        })),
      )
      .execute();
  }
}
