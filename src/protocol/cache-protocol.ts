import { z } from 'zod';

/**
 * Caches over the runner protocol (docs/artifacts.md#caches), every call under the job's lease, so the server
 * knows the project and branch (the run's ref) without trusting the runner with them:
 *
 *   POST /api/v1/runner/leases/{id}/caches/lookup           key, restore keys, version → the entry to restore or null
 *   GET  /api/v1/runner/leases/{id}/caches/archives/{digest} the entry's archive (tar + zstd); only a digest the
 *                                                            project's caches name
 *   — after a successful job whose exact key missed —
 *   POST /api/v1/runner/leases/{id}/caches/archives          the archive as the raw body → its digest and size; not
 *                                                            yet a cache, so a half-sent archive is never found
 *   POST /api/v1/runner/leases/{id}/caches/commit            key, version, digest, size → saved, or not when the key
 *                                                            was saved meanwhile (the first save stays)
 */
const Key = z.string().min(1).max(512);

export const CacheLookupRequest = z.object({ key: Key, restoreKeys: z.array(Key).max(20), version: z.string().min(1).max(100) });
export type CacheLookupRequest = z.infer<typeof CacheLookupRequest>;

export const CacheLookupResponse = z.object({
  cache: z
    .object({
      kind: z.enum(['hit', 'partial']),
      key: z.string(),
      restoreKey: z.string().optional(),
      digest: z.string(),
      size: z.number().int().min(0),
    })
    .nullable(),
});
export type CacheLookupResponse = z.infer<typeof CacheLookupResponse>;

export const CacheArchiveResponse = z.object({ digest: z.string(), size: z.number().int().min(0) });
export type CacheArchiveResponse = z.infer<typeof CacheArchiveResponse>;

export const CacheCommitRequest = z.object({ key: Key, version: z.string().min(1).max(100), digest: z.string().min(1).max(100), size: z.number().int().min(0) });
export type CacheCommitRequest = z.infer<typeof CacheCommitRequest>;

export const CacheCommitResponse = z.object({ saved: z.boolean() });
export type CacheCommitResponse = z.infer<typeof CacheCommitResponse>;
