/**
 * Which artifacts to delete (handbook 5.6): keep the newest N versions of each pipeline, expire
 * what has not been downloaded for a while or has passed its own `expire-in`, and cap the total
 * size. Pure: the cleaner gathers the facts, this decides, so a dry run and a real run agree.
 */
export interface RetentionPolicy {
  /** Versions (runs) kept per project pipeline; older versions are deleted. */
  readonly keepVersions: number;
  /** An artifact not downloaded or restored for this long is deleted. */
  readonly maxIdleMs: number;
  /** Total bytes kept; above it, the least recently used artifacts go first. Undefined: no cap. */
  readonly maxTotalBytes?: number;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  keepVersions: 20,
  maxIdleMs: 30 * 24 * 60 * 60 * 1000,
};

/** One stored artifact as the cleaner sees it. */
export interface RetainedArtifact {
  readonly id: number;
  /** Versions are counted per project pipeline. */
  readonly project: string;
  readonly pipeline: string;
  /** The run that made it: a higher run id is a newer version. */
  readonly runId: number;
  readonly name: string;
  readonly sizeBytes: number;
  readonly createdAt: number;
  /** The last download or restore; `createdAt` when it never had one. */
  readonly lastUsedAt: number;
  /** From the job's `expire-in`; undefined: no expiry of its own. */
  readonly expiresAt?: number;
  /** A live deployment runs it: never deleted, whatever the rules say. */
  readonly inUse: boolean;
}

export type RetentionReason = 'older-version' | 'expired' | 'idle' | 'over-size-cap';

export interface RetentionPlan {
  readonly delete: readonly { readonly artifact: RetainedArtifact; readonly reason: RetentionReason }[];
  readonly keptBytes: number;
  /** Bytes above `maxTotalBytes` that stay because every remaining artifact is protected; 0 when under the cap. */
  readonly overCapBytes: number;
}

/**
 * The plan for `artifacts` at `now`. Protected, and never deleted: artifacts a live deployment uses,
 * and the newest version of each pipeline (GitLab's "keep the latest artifacts": there is always
 * something to deploy or roll back to). Every other artifact is deleted when its version is older
 * than the newest `keepVersions`, when its `expire-in` has passed, or when it sat unused longer than
 * `maxIdleMs`. Then, while the rest is above `maxTotalBytes`, the least recently used unprotected
 * artifact goes (oldest version first on a tie).
 */
export function planRetention(artifacts: readonly RetainedArtifact[], policy: RetentionPolicy, now: number): RetentionPlan {
  const versionRank = rankVersions(artifacts);
  const protectedIds = new Set(artifacts.filter((a) => a.inUse || versionRank.get(a.id) === 0).map((a) => a.id));
  const doomed: { artifact: RetainedArtifact; reason: RetentionReason }[] = [];
  const kept: RetainedArtifact[] = [];
  for (const artifact of artifacts) {
    const reason = protectedIds.has(artifact.id) ? undefined : ruleReason(artifact, versionRank.get(artifact.id) ?? 0, policy, now);
    if (reason) doomed.push({ artifact, reason });
    else kept.push(artifact);
  }
  let keptBytes = sum(kept);
  if (policy.maxTotalBytes !== undefined && keptBytes > policy.maxTotalBytes) {
    const candidates = kept.filter((a) => !protectedIds.has(a.id)).sort((a, b) => a.lastUsedAt - b.lastUsedAt || a.runId - b.runId);
    for (const artifact of candidates) {
      if (keptBytes <= policy.maxTotalBytes) break;
      doomed.push({ artifact, reason: 'over-size-cap' });
      keptBytes -= artifact.sizeBytes;
    }
  }
  const overCapBytes = policy.maxTotalBytes !== undefined ? Math.max(0, keptBytes - policy.maxTotalBytes) : 0;
  return { delete: doomed, keptBytes, overCapBytes };
}

function ruleReason(artifact: RetainedArtifact, rank: number, policy: RetentionPolicy, now: number): RetentionReason | undefined {
  if (rank >= policy.keepVersions) return 'older-version';
  if (artifact.expiresAt !== undefined && artifact.expiresAt <= now) return 'expired';
  if (now - artifact.lastUsedAt > policy.maxIdleMs) return 'idle';
  return undefined;
}

/** Each artifact's version rank within its project pipeline: 0 for the newest run's, 1 for the run before, … */
function rankVersions(artifacts: readonly RetainedArtifact[]): Map<number, number> {
  const runsByPipeline = new Map<string, Set<number>>();
  for (const a of artifacts) {
    const key = JSON.stringify([a.project, a.pipeline]);
    const runs = runsByPipeline.get(key) ?? new Set<number>();
    runs.add(a.runId);
    runsByPipeline.set(key, runs);
  }
  const rankOf = new Map<string, Map<number, number>>();
  for (const [key, runs] of runsByPipeline) {
    rankOf.set(key, new Map([...runs].sort((x, y) => y - x).map((runId, rank) => [runId, rank])));
  }
  return new Map(artifacts.map((a) => [a.id, rankOf.get(JSON.stringify([a.project, a.pipeline]))?.get(a.runId) ?? 0]));
}

function sum(artifacts: readonly RetainedArtifact[]): number {
  return artifacts.reduce((total, a) => total + a.sizeBytes, 0);
}
