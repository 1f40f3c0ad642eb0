import { formatBytes, formatDuration } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { cleanUpArtifacts } from './api-calls.js';
import type { ArtifactCleanupReport } from './api-schemas.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';

export interface CleanupFlags extends GlobalFlags {
  readonly dryRun?: boolean;
}

const REASONS: Record<string, string> = {
  'older-version': 'older than the versions kept',
  expired: 'past its expire-in',
  idle: 'not used within the idle limit',
  'over-size-cap': 'least recently used above the size cap',
};

/**
 * `deployctl artifacts cleanup [--dry-run]` (admin): runs the server's artifact retention now and prints
 * what went (or, with --dry-run, what would go) and why, the bytes freed and kept, and the orphan blobs.
 */
export async function cleanupArtifactsCommand(ctx: DeployctlContext, flags: CleanupFlags): Promise<number> {
  const dryRun = flags.dryRun === true;
  const { value, raw } = await cleanUpArtifacts(openClient(ctx, flags), dryRun);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  ctx.stdout.write(formatCleanupReport(value));
  return EXIT.success;
}

export function formatCleanupReport(report: ArtifactCleanupReport): string {
  const { policy } = report;
  const lines = [
    `${report.dryRun ? 'Dry run, nothing deleted. ' : ''}Policy: keep ${policy.keepVersions} versions per pipeline, idle limit ${formatIdle(policy.maxIdleMs)}, size cap ${policy.maxTotalBytes === null ? 'none' : formatBytes(policy.maxTotalBytes)}.`,
  ];
  if (report.deleted.length === 0) {
    lines.push('Artifacts: nothing to delete.');
  } else {
    lines.push(report.dryRun ? 'Would delete:' : 'Deleted:');
    const rows = report.deleted.map((a) => [printable(a.project), printable(a.pipeline), String(a.runId), printable(a.name), formatBytes(a.bytes), REASONS[a.reason] ?? printable(a.reason), formatTime(a.lastUsedAt)]);
    lines.push(formatTable(['PROJECT', 'PIPELINE', 'RUN', 'ARTIFACT', 'SIZE', 'WHY', 'LAST USED'], rows).trimEnd());
  }
  lines.push(`${report.dryRun ? 'Would free' : 'Freed'}: ${formatBytes(report.freedBytes)} in ${report.deleted.length} artifacts.`);
  lines.push(`Kept: ${formatBytes(report.keptBytes)} in ${report.keptArtifacts} artifacts.`);
  if (report.overCapBytes > 0) lines.push(`Still ${formatBytes(report.overCapBytes)} above the size cap: what remains is the newest version of each pipeline.`);
  const orphans = report.orphans;
  lines.push(
    `Orphan blobs ${report.dryRun ? 'to sweep' : 'swept'}: ${orphans.count} (${formatBytes(orphans.bytes)})${orphans.spared > 0 ? `; ${orphans.spared} unnamed but younger than the grace period, left for later` : ''}.`,
  );
  if (!report.dryRun && report.incompleteUploadsRemoved > 0) lines.push(`Leftovers of killed uploads removed: ${report.incompleteUploadsRemoved}.`);
  return `${lines.join('\n')}\n`;
}

function formatIdle(ms: number): string {
  const day = 24 * 60 * 60 * 1000;
  return ms % day === 0 ? `${ms / day} days` : formatDuration(ms);
}
