import { createColors } from 'picocolors';
import { parseDuration, UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import type { AuditFilters } from './api-calls.js';
import { exportAudit, queryAudit } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { nowOf, openClient, parsePositiveInteger, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';

export const AUDIT_STATUSES = ['ok', 'denied', 'failed'] as const;

export interface AuditFlags extends GlobalFlags {
  readonly actor?: string;
  readonly action?: string;
  readonly resource?: string;
  readonly status?: string;
  readonly since?: string;
  readonly until?: string;
  readonly before?: string;
  readonly limit?: string;
  readonly jsonl?: boolean;
}

/**
 * `deployctl audit`: the audit log, newest first, as a table (one page; `--before` pages on),
 * as the API's JSON with `--json`, or every matching entry as JSON lines with `--jsonl`,
 * streamed as the server sends them, for archiving or `jq`.
 */
export async function auditCommand(ctx: DeployctlContext, flags: AuditFlags): Promise<number> {
  if (flags.jsonl && flags.json) throw new UsageError('--json and --jsonl do not go together: --json prints one page, --jsonl every match');
  if (flags.jsonl && flags.limit !== undefined) throw new UsageError('--limit does not go with --jsonl: the export holds every matching entry');
  const filters = auditFilters(flags, nowOf(ctx));
  const client = openClient(ctx, flags);
  if (flags.jsonl) {
    const decoder = new TextDecoder();
    for await (const chunk of await exportAudit(client, filters, ctx.signal)) ctx.stdout.write(decoder.decode(chunk, { stream: true }));
    ctx.stdout.write(decoder.decode());
    return EXIT.success;
  }
  const { value, raw } = await queryAudit(client, filters);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.entries.length === 0) {
    ctx.stdout.write('no audit entries match\n');
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  const paint = (status: string) => (status === 'ok' ? c.green(status) : status === 'denied' ? c.yellow(status) : c.red(printable(status)));
  const rows = value.entries.map((entry) => [
    formatTime(entry.time),
    printable(entry.actor),
    printable(entry.action),
    printable(entry.resource) || '-',
    paint(entry.status),
    entry.httpStatus == null ? '-' : String(entry.httpStatus),
    entry.sourceIp ? printable(entry.sourceIp) : '-',
  ]);
  ctx.stdout.write(formatTable(['TIME', 'ACTOR', 'ACTION', 'RESOURCE', 'STATUS', 'HTTP', 'SOURCE'], rows));
  if (value.next !== null) ctx.stdout.write(c.dim(`older entries: the same command with --before ${value.next}`) + '\n');
  return EXIT.success;
}

/** The query `deployctl audit` sends, from its flags; times relative to `now`. */
export function auditFilters(flags: AuditFlags, now: number): AuditFilters {
  return {
    ...(flags.actor !== undefined && { actor: flags.actor }),
    ...(flags.action !== undefined && { action: flags.action }),
    ...(flags.resource !== undefined && { resource: flags.resource }),
    ...(flags.status !== undefined && { status: flags.status }),
    ...(flags.since !== undefined && { since: parseTimeFlag('--since', flags.since, now) }),
    ...(flags.until !== undefined && { until: parseTimeFlag('--until', flags.until, now) }),
    ...(flags.before !== undefined && { before: parsePositiveInteger('--before', flags.before) }),
    ...(flags.limit !== undefined && { limit: parsePositiveInteger('--limit', flags.limit) }),
  };
}

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * A point in time given as an ISO date or date-time (without a zone it is UTC, as deployctl
 * prints times), or as a duration meaning that long before `now`: `24h`, `7d`, `1h30m`.
 * Returns epoch milliseconds.
 */
export function parseTimeFlag(flag: string, text: string, now: number): number {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) {
    const ago = parseDuration(trimmed);
    if (ago !== undefined) return Math.max(0, Math.floor(now - ago));
  }
  const iso = ISO_DATE_TIME.exec(trimmed);
  if (iso) {
    const [, date, time, zone] = iso;
    const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone ?? 'Z'}`);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  throw new UsageError(`${flag} expects an ISO date or time (2025-01-31, 2025-01-31T12:00:00Z) or how long ago (24h, 7d, 30m), got "${text}"`);
}
