import { homedir } from 'node:os';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ZodType } from 'zod';
import { createCacheJobFiles, type CacheBackend } from '../artifacts/index.js';
import type { JobFiles } from '../engine/index.js';
import { CacheArchiveResponse, CacheCommitResponse, CacheLookupResponse } from '../protocol/index.js';

export interface RunnerCacheOptions {
  readonly serverUrl: string;
  readonly token: string;
  /** The job's lease: the server finds the project and branch from it. */
  readonly leaseId: string;
  readonly fetch: typeof fetch;
  /** The executor's name: `~/…` paths are cached with the local executor only (the runner's own home). */
  readonly executorName: string;
}

/**
 * The cache part of a runner job's files: the server's cache API (src/protocol/cache-protocol.ts) under the
 * job's lease. Archives stream both ways; nothing is held in memory. Failures are warnings in the job's log
 * (createCacheJobFiles), never a failed job; a failed call is not retried (the job goes on without its cache).
 */
export function runnerCacheFiles(options: RunnerCacheOptions): JobFiles {
  return createCacheJobFiles(httpCacheBackend(options), options.executorName === 'local' ? { homeDir: homedir() } : {});
}

function httpCacheBackend(options: RunnerCacheOptions): CacheBackend {
  const base = `${options.serverUrl.replace(/\/+$/, '')}/api/v1/runner/leases/${encodeURIComponent(options.leaseId)}/caches`;
  const authorization = `Bearer ${options.token}`;
  const call = async <T>(path: string, init: RequestInit, answer: ZodType<T>): Promise<T> => {
    const response = await options.fetch(`${base}${path}`, { ...init, headers: { authorization, ...(init.headers as Record<string, string> | undefined) } });
    if (!response.ok) throw await httpError(response);
    return answer.parse(await response.json());
  };
  return {
    async lookup(request, signal) {
      const { cache } = await call('/lookup', { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' }, signal }, CacheLookupResponse);
      if (!cache) return undefined;
      return {
        kind: cache.kind,
        key: cache.key,
        ...(cache.restoreKey !== undefined ? { restoreKey: cache.restoreKey } : {}),
        size: cache.size,
        open: async (openSignal) => {
          const response = await options.fetch(`${base}/archives/${encodeURIComponent(cache.digest)}`, { headers: { authorization }, signal: openSignal });
          if (!response.ok || !response.body) throw await httpError(response);
          // The server cuts the response short when the archive no longer matches its digest: the stream then fails.
          return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
        },
      };
    },
    async save(request, archive, signal) {
      const init = { method: 'POST', body: Readable.toWeb(Readable.from(archive)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' }, signal, duplex: 'half' };
      const stored = await call('/archives', init as RequestInit, CacheArchiveResponse);
      const commit = { ...request, digest: stored.digest, size: stored.size };
      const { saved } = await call('/commit', { method: 'POST', body: JSON.stringify(commit), headers: { 'content-type': 'application/json' }, signal }, CacheCommitResponse);
      return { saved, size: stored.size };
    },
  };
}

async function httpError(response: Response): Promise<Error> {
  const text = await response.text().catch(() => '');
  let message = text.slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    message = parsed.error?.message ?? message;
  } catch {
    // not JSON: keep the text
  }
  return new Error(`the server answered ${response.status}${message ? `: ${message}` : ''}`);
}
