import type { BlobStore } from '../blob-store/blob-store.js';
import type { BlobDigest } from '../blob-store/digest.js';

export interface OrphanSweepOptions {
  /** Every digest something still names (artifacts, their SBOMs and signatures, caches). */
  readonly referenced: ReadonlySet<BlobDigest>;
  /** Blobs younger than this are spared: a put may have stored one whose name is not written yet. */
  readonly graceMs: number;
  readonly now: number;
  /** Report what would go, delete nothing. */
  readonly dryRun: boolean;
}

export interface OrphanSweepReport {
  readonly orphans: number;
  readonly orphanBytes: number;
  /** Blobs still named by something, and their total size: what the store holds on purpose. */
  readonly referencedBlobs: number;
  readonly referencedBytes: number;
  /** Unnamed blobs inside the grace period, left for the next sweep. */
  readonly spared: number;
}

/**
 * Deletes the blobs nothing names any more and that are older than the grace period (the
 * BlobStore's lifecycle: names are removed first, blobs after). `referenced` may be read
 * before the sweep: whatever is named after that was stored (or, when deduplicated, stored
 * again) just before, so it is younger than the grace period and is spared.
 */
export async function sweepOrphanBlobs(store: BlobStore, options: OrphanSweepOptions): Promise<OrphanSweepReport> {
  let orphans = 0;
  let orphanBytes = 0;
  let referencedBlobs = 0;
  let referencedBytes = 0;
  let spared = 0;
  for await (const blob of store.list()) {
    if (options.referenced.has(blob.digest)) {
      referencedBlobs++;
      referencedBytes += blob.size;
    } else if (options.now - blob.storedAt.getTime() < options.graceMs) {
      spared++;
    } else {
      orphans++;
      orphanBytes += blob.size;
      if (!options.dryRun) await store.delete(blob.digest);
    }
  }
  return { orphans, orphanBytes, referencedBlobs, referencedBytes, spared };
}
