import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { AuditQuery, AuditRecord, AuditStatus, AuditStore, NewAuditRecord } from '../identity-store.js';
import type { AuditLogTable } from './identity-schema.js';
import type { ControlDatabase } from './schema.js';

/** The append-only audit log (AuditStore): inserts and filtered reads, newest first. */
export class AuditQueries implements AuditStore {
  constructor(private readonly db: Kysely<ControlDatabase>) {}

  async append(record: NewAuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        time: record.time,
        actor: record.actor,
        action: record.action,
        resource: record.resource,
        status: record.status,
        http_status: record.httpStatus,
        trace_id: record.traceId,
        source_ip: record.sourceIp,
        detail: JSON.stringify(record.detail),
      })
      .execute();
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    let select = this.db.selectFrom('audit_log').selectAll();
    if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    if (query.resource !== undefined) {
      const resource = query.resource;
      // substr rather than LIKE: SQLite's LIKE ignores case and has no default escape character.
      select = resource.endsWith(':')
        ? select.where(sql<string>`substr(resource, 1, ${resource.length})`, '=', resource)
        : select.where('resource', '=', resource);
    }
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.since !== undefined) select = select.where('time', '>=', query.since);
    if (query.until !== undefined) select = select.where('time', '<', query.until);
    if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
    const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toAudit);
  }
}

function toAudit(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: row.id,
    time: row.time,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    status: row.status as AuditStatus,
    httpStatus: row.http_status,
    traceId: row.trace_id,
    sourceIp: row.source_ip,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}
