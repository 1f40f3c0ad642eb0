import { createHash } from 'node:crypto';
import type { BlobDigest, BlobStore, RefStore, RetainedArtifact, RetentionPolicy, RetentionReason } from '../../artifacts/index.js';
import { artifactKey, DEFAULT_RETENTION_POLICY, isBlobDigest, planRetention, sbomKey, signatureKey, sweepOrphanBlobs } from '../../artifacts/index.js';
import type { Clock, Logger } from '../../core/index.js';
import type { ControlStore, ProjectStorageBytes, RetentionCandidateRecord } from '../../store/index.js';
import { pathSegment } from './artifact-service.js';

/** How often the server cleans up; the claim keeps it to one server of several per period. */
export const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;
/**
 * An unnamed blob younger than this is left alone: an artifact's archive is stored before its SBOM is
 * built, it is signed and its names and row are written (minutes for the largest archives), and a
 * cache's archive is uploaded one request before the commit that names it.
 */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const CLAIM_NAME = 'artifact-cleanup';
// A tick that comes a little early (timers drift, servers start at other times) still finds the claim due.
const CLAIM_SLACK_MS = 5 * 60 * 1000;

export interface ArtifactCleanerOptions {
  readonly store: ControlStore;
  readonly blobs: BlobStore;
  readonly refs: RefStore;
  /** From `artifacts.retention.*` in the server settings; DEFAULT_RETENTION_POLICY when absent. */
  readonly policy?: RetentionPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly orphanGraceMs?: number;
}

export interface CleanedArtifact {
  readonly project: string;
  readonly pipeline: string;
  readonly runId: number;
  readonly name: string;
  /** The archive, its SBOM and the two signature files. */
  readonly bytes: number;
  readonly reason: RetentionReason;
  readonly lastUsedAt: number;
}

export interface CleanupReport {
  readonly dryRun: boolean;
  readonly policy: { readonly keepVersions: number; readonly maxIdleMs: number; readonly maxTotalBytes: number | null };
  /** What goes (a dry run: what would go), and why. */
  readonly deleted: readonly CleanedArtifact[];
  /**
   * Bytes of the deleted artifacts (archives, SBOMs, signatures). Their blobs leave the store in the same
   * pass's sweep (counted in `orphans`) unless something else names them or they are younger than the grace.
   */
  readonly freedBytes: number;
  readonly keptArtifacts: number;
  readonly keptBytes: number;
  /** Bytes above `maxTotalBytes` that stay because what remains is protected. */
  readonly overCapBytes: number;
  /** Blobs nothing names any more (after this cleanup's deletions) and older than the grace period; `spared`: younger ones. */
  readonly orphans: { readonly count: number; readonly bytes: number; readonly spared: number };
  /** Leftovers of killed blob uploads removed; always 0 in a dry run. */
  readonly incompleteUploadsRemoved: number;
}

/**
 * Artifact retention on the server (handbook 5.6). One pass:
 *   1. gathers the facts: every committed artifact with its last use, expiry and stored bytes;
 *   2. asks planRetention (pure) what goes, under the configured policy;
 *   3. deletes each planned artifact: its row first (it disappears from the API at once), then the
 *      names of its archive, SBOM and signatures in the RefStore. A crash in between leaves names
 *      without a row, which nothing lists; never a listed artifact whose bytes are gone;
 *   4. sweeps the blobs that nothing names any more: not a kept artifact, its SBOM or signatures, nor a
 *      cache entry (their blobs are named by the cache index, not by refs), older than the grace period;
 *   5. removes the leftovers of killed blob uploads.
 * A dry run does 1, 2 and counts 4 as if 3 had happened, deleting nothing, so it reports what a real
 * run at the same moment would do. Two passes at once (the periodic one on another server, an admin's)
 * are safe: every deletion is idempotent and the sweep spares what was stored during the pass.
 */
export class ArtifactCleaner {
  private readonly policy: RetentionPolicy;

  constructor(private readonly options: ArtifactCleanerOptions) {
    this.policy = options.policy ?? DEFAULT_RETENTION_POLICY;
  }

  async clean(request: { readonly dryRun: boolean }): Promise<CleanupReport> {
    const { store, blobs, clock } = this.options;
    // Also in a dry run: recording an SBOM's size is a fact learnt, not a change to what is kept.
    await this.measureSboms();
    const candidates = await store.artifactRetention.listRetentionCandidates();
    const now = clock.now();
    const byId = new Map(candidates.map((c) => [c.id, c]));
    const plan = planRetention(candidates.map(toRetained), this.policy, now);
    const doomedIds = new Set(plan.delete.map((d) => d.artifact.id));
    const deleted = plan.delete.map(({ artifact, reason }): CleanedArtifact => ({
      project: artifact.project,
      pipeline: artifact.pipeline,
      runId: artifact.runId,
      name: artifact.name,
      bytes: artifact.sizeBytes,
      reason,
      lastUsedAt: artifact.lastUsedAt,
    }));
    if (!request.dryRun) {
      for (const { artifact } of plan.delete) {
        const record = byId.get(artifact.id);
        if (record) await this.deleteArtifact(record);
      }
    }
    const kept = candidates.filter((c) => !doomedIds.has(c.id));
    const referenced = namedDigests(kept, await store.artifactRetention.listCacheDigests());
    const sweep = await sweepOrphanBlobs(blobs, { referenced, graceMs: this.options.orphanGraceMs ?? ORPHAN_GRACE_MS, now, dryRun: request.dryRun });
    const incomplete = request.dryRun ? { removed: 0 } : await blobs.removeIncompleteUploads();
    const report: CleanupReport = {
      dryRun: request.dryRun,
      policy: { keepVersions: this.policy.keepVersions, maxIdleMs: this.policy.maxIdleMs, maxTotalBytes: this.policy.maxTotalBytes ?? null },
      deleted,
      freedBytes: deleted.reduce((total, d) => total + d.bytes, 0),
      keptArtifacts: kept.length,
      keptBytes: plan.keptBytes,
      overCapBytes: plan.overCapBytes,
      orphans: { count: sweep.orphans, bytes: sweep.orphanBytes, spared: sweep.spared },
      incompleteUploadsRemoved: incomplete.removed,
    };
    if (!request.dryRun && (deleted.length > 0 || sweep.orphans > 0 || incomplete.removed > 0)) {
      this.options.logger.info('artifacts cleaned up', {
        artifacts: deleted.length,
        freed_bytes: report.freedBytes,
        orphans: sweep.orphans,
        orphan_bytes: sweep.orphanBytes,
        incomplete_uploads: incomplete.removed,
      });
    }
    if (plan.overCapBytes > 0) this.options.logger.warn('artifacts above the size cap are all protected', { over_cap_bytes: plan.overCapBytes });
    return report;
  }

  /**
   * The periodic pass: runs only when this server claims it (one server per period when several share a
   * database). Resolves with the report, or undefined when another server has the period.
   */
  async cleanIfDue(): Promise<CleanupReport | undefined> {
    const now = this.options.clock.now();
    if (!(await this.options.store.artifactRetention.claimPeriodicRun(CLAIM_NAME, now, now + CLEANUP_INTERVAL_MS - CLAIM_SLACK_MS))) return undefined;
    return this.clean({ dryRun: false });
  }

  /** Stored bytes per project (deploylite_artifact_storage_bytes), with every SBOM's size known. */
  async storageBytes(): Promise<ProjectStorageBytes[]> {
    await this.measureSboms();
    return this.options.store.artifactRetention.storageBytesByProject();
  }

  private async deleteArtifact(record: RetentionCandidateRecord): Promise<void> {
    const { store, refs } = this.options;
    // Gone already: another pass deleted it (and its names), or a retried job's commit replaced the row,
    // and then the names are the new artifact's.
    if (!(await store.artifactRetention.deleteArtifact(record.id))) return;
    // The same coordinates ArtifactService.commitUpload named them with.
    const coordinates = { project: pathSegment(record.projectName), pipeline: pathSegment(record.pipeline), version: `${record.runId}-${record.name}` };
    for (const key of [artifactKey(coordinates, `${record.name}.tar`), sbomKey(coordinates), signatureKey(coordinates), signatureKey(coordinates, 'sbom')]) {
      await refs.delete(key);
    }
  }

  /** Records the size of SBOMs not measured yet (new artifacts, or those from before migration 0007): one stat each, once. */
  private async measureSboms(): Promise<void> {
    const { store, blobs } = this.options;
    for (const { id, sbomDigest } of await store.artifactRetention.listUnsizedSboms()) {
      const info = isBlobDigest(sbomDigest) ? await blobs.stat(sbomDigest) : undefined;
      // A missing SBOM blob counts as 0 bytes: there is nothing of it to store or free.
      await store.artifactRetention.recordSbomSize(id, info?.size ?? 0);
    }
  }
}

function toRetained(record: RetentionCandidateRecord): RetainedArtifact {
  return {
    id: record.id,
    project: record.projectName,
    pipeline: record.pipeline,
    runId: record.runId,
    name: record.name,
    sizeBytes: storedBytes(record),
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    ...(record.expiresAt !== null ? { expiresAt: record.expiresAt } : {}),
    // DeployLite keeps no deployment records yet, so nothing can say which artifact a live deployment
    // runs. When deployments exist, this is where their artifacts become protected; until then only the
    // newest version of each pipeline is (planRetention), and the docs say so.
    inUse: false,
  };
}

function storedBytes(record: RetentionCandidateRecord): number {
  return record.size + (record.sbomSize ?? 0) + signatureBlobBytes(record.signature).length + signatureBlobBytes(record.sbomSignature).length;
}

/** A signature blob as ArtifactService.commitUpload stores it: the base64 signature and a newline (cosign's `.sig`). */
function signatureBlobBytes(signatureBase64: string): Buffer {
  return Buffer.from(`${signatureBase64}\n`);
}

function namedDigests(kept: readonly RetentionCandidateRecord[], cacheDigests: readonly string[]): Set<BlobDigest> {
  const named = new Set<BlobDigest>();
  const add = (digest: string) => {
    if (isBlobDigest(digest)) named.add(digest);
  };
  for (const artifact of kept) {
    add(artifact.digest);
    add(artifact.sbomDigest);
    for (const signature of [artifact.signature, artifact.sbomSignature]) {
      add(`sha256:${createHash('sha256').update(signatureBlobBytes(signature)).digest('hex')}`);
    }
  }
  for (const digest of cacheDigests) add(digest);
  return named;
}
