import type { Clock, Logger } from '../../core/index.js';
import { coerceError } from '../../core/index.js';
import type { AuditStore, NewAuditRecord } from '../../store/index.js';

/** An entry as callers give it; the trail adds the time. `detail` is small and secret-free: never a request body. */
export type AuditEvent = Omit<NewAuditRecord, 'time' | 'detail'> & { readonly detail?: NewAuditRecord['detail'] };

/**
 * Writes audit entries (handbook 9.5). A failed write is logged loudly but does not fail the
 * request it describes: the operation already happened, and refusing to answer would only
 * make the client retry it.
 */
export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly logger: Logger,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    try {
      await this.store.append({ ...event, detail: event.detail ?? {}, time: this.clock.now() });
    } catch (thrown) {
      this.logger.error('audit entry could not be written', { action: event.action, resource: event.resource, error: coerceError(thrown).message });
    }
  }
}
