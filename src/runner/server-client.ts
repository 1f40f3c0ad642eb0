import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import type { Clock } from '../core/index.js';
import { coerceError, ConflictError, DeployliteError, InvalidRequestError, UnauthorizedError } from '../core/index.js';
import type { JobResult, LogBatch, PollRequest, RegisterRunnerRequest, StartArtifactUpload } from '../protocol/index.js';
import { ArtifactList, ArtifactSummary, ArtifactUploadState, LogBatchResponse, PollResponse, RegisterRunnerResponse } from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import { linkSignals } from './link-signals.js';
import type { RunnerLogger } from './runner-logger.js';

/**
 * A poll answer whose jobs are checked one by one by the agent: one malformed assignment
 * must not hide the cancellations, lost leases and other jobs of the same answer.
 */
export const PollEnvelope = PollResponse.extend({ jobs: z.array(z.unknown()) });
export type PollEnvelope = z.infer<typeof PollEnvelope>;

/** The server answers `{ ok: true }`; nothing in it changes what the runner does next. */
const ResultAck = z.unknown();

/** How long a request may take before it counts as a network failure (and is retried). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Added to a long poll's `waitMs`: the server holds the poll that long, then answers. */
export const POLL_GRACE_MS = 5_000;

export interface ServerClientOptions {
  readonly serverUrl: string;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly logger: RunnerLogger;
}

interface Call<T> {
  /** For log messages: 'registration', 'poll', 'logs', 'result'. */
  readonly name: string;
  readonly path: string;
  readonly token: string;
  readonly body: unknown;
  readonly answer: z.ZodType<T>;
  readonly timeoutMs: number;
  /** Set for lease calls, where a 409 means the lease is gone. */
  readonly leaseId?: string;
  /** Default POST with `body` as JSON; GET sends no body. */
  readonly method?: 'GET' | 'POST';
}

/**
 * The runner's side of the HTTP protocol (src/protocol/runner-protocol.ts). Every call is
 * retried with backoff while the server cannot be reached, times out or answers 5xx, 408 or
 * 429 — so a runner rides out a server restart — until it succeeds or `signal` aborts
 * (then the call rejects with the signal's reason). Errors that retrying cannot fix are
 * thrown at once as domain errors:
 *   - UnauthorizedError: 401 or 403, the token is not (or no longer) valid;
 *   - ConflictError with code 'lease.gone': 409 on a lease call;
 *   - InvalidRequestError: any other 4xx, with the server's message.
 */
export class ServerClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ServerClientOptions) {
    // Keeps a path prefix (a server behind a reverse proxy at /deploylite/) intact.
    this.baseUrl = options.serverUrl.replace(/\/+$/, '');
  }

  register(registrationToken: string, request: RegisterRunnerRequest, signal: AbortSignal) {
    const call = { name: 'registration', path: '/api/v1/runners/register', token: registrationToken, body: request };
    return this.call({ ...call, answer: RegisterRunnerResponse, timeoutMs: REQUEST_TIMEOUT_MS }, signal);
  }

  poll(token: string, request: PollRequest, signal: AbortSignal): Promise<PollEnvelope> {
    const timeoutMs = (request.waitMs ?? 0) + POLL_GRACE_MS;
    return this.call({ name: 'poll', path: '/api/v1/runner/poll', token, body: request, answer: PollEnvelope, timeoutMs }, signal);
  }

  sendLogs(token: string, leaseId: string, batch: LogBatch, signal: AbortSignal) {
    const path = `/api/v1/runner/leases/${encodeURIComponent(leaseId)}/logs`;
    return this.call({ name: 'logs', path, token, body: batch, answer: LogBatchResponse, timeoutMs: REQUEST_TIMEOUT_MS, leaseId }, signal);
  }

  async sendResult(token: string, leaseId: string, result: JobResult, signal: AbortSignal): Promise<void> {
    const path = `/api/v1/runner/leases/${encodeURIComponent(leaseId)}/result`;
    await this.call({ name: 'result', path, token, body: result, answer: ResultAck, timeoutMs: REQUEST_TIMEOUT_MS, leaseId }, signal);
  }

  // ── artifacts (src/protocol/artifact-protocol.ts) ─────────────────────────────────────────

  /** Starts or resumes an upload; retried like every JSON call. */
  startArtifactUpload(token: string, leaseId: string, request: StartArtifactUpload, signal: AbortSignal): Promise<ArtifactUploadState> {
    const path = `${leasePath(leaseId)}/artifacts`;
    return this.call({ name: 'artifact upload', path, token, body: request, answer: ArtifactUploadState, timeoutMs: REQUEST_TIMEOUT_MS, leaseId }, signal);
  }

  /**
   * Sends bytes from `offset` once, not retried (a stream cannot be replayed): after a failure the caller asks
   * `startArtifactUpload` for the offset the server holds and sends the rest. Resolves with the new offset.
   */
  async sendArtifactBytes(token: string, leaseId: string, uploadId: string, offset: number, bytes: Readable, signal: AbortSignal): Promise<number> {
    const url = `${this.baseUrl}${leasePath(leaseId)}/artifacts/uploads/${encodeURIComponent(uploadId)}?offset=${offset}`;
    const init = { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: Readable.toWeb(bytes), duplex: 'half', signal };
    const response = await this.options.fetch(url, init as unknown as RequestInit);
    const text = await response.text();
    if (!response.ok) throw this.refusal('artifact bytes', response.status, errorMessage(text) ?? response.statusText, leaseId);
    return z.object({ offset: z.number().int() }).parse(parseJson(text)).offset;
  }

  commitArtifactUpload(token: string, leaseId: string, uploadId: string, signal: AbortSignal): Promise<ArtifactSummary> {
    const path = `${leasePath(leaseId)}/artifacts/uploads/${encodeURIComponent(uploadId)}/commit`;
    // Committing builds the SBOM and signs: allow more than a plain request.
    return this.call({ name: 'artifact commit', path, token, body: {}, answer: ArtifactSummary, timeoutMs: 10 * REQUEST_TIMEOUT_MS, leaseId }, signal);
  }

  async listRunArtifacts(token: string, leaseId: string, signal: AbortSignal): Promise<ArtifactSummary[]> {
    const path = `${leasePath(leaseId)}/artifacts`;
    return (await this.call({ name: 'artifact list', path, token, body: undefined, answer: ArtifactList, timeoutMs: REQUEST_TIMEOUT_MS, leaseId, method: 'GET' }, signal)).artifacts;
  }

  /** One archive of the lease's run, as a stream that fails (never ends cleanly) if the server cuts it short. */
  async downloadArtifact(token: string, leaseId: string, name: string, signal: AbortSignal): Promise<Readable> {
    const url = `${this.baseUrl}${leasePath(leaseId)}/artifacts/${encodeURIComponent(name)}`;
    const response = await this.options.fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
    if (!response.ok || !response.body) throw this.refusal('artifact download', response.status, errorMessage(await response.text()) ?? response.statusText, leaseId);
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  private refusal(name: string, status: number, message: string, leaseId: string): Error {
    if (status === 401 || status === 403) return new UnauthorizedError(`the server rejected the ${name} request (HTTP ${status}): ${message}`);
    if (status === 409 && /lease/.test(message)) return new ConflictError(`lease ${leaseId} is gone: ${message}`, 'lease.gone');
    if (status >= 500 || status === 408 || status === 429) return new Error(`the ${name} request failed (HTTP ${status}): ${message}`);
    return new InvalidRequestError(`the server rejected the ${name} request (HTTP ${status}): ${message}`);
  }

  private async call<T>(call: Call<T>, signal: AbortSignal): Promise<T> {
    const fields = call.leaseId !== undefined ? { lease_id: call.leaseId } : {};
    for (let failures = 0; ; ) {
      signal.throwIfAborted();
      let problem: string;
      try {
        const answer = await this.attempt(call, signal);
        if (answer.ok) {
          if (failures > 0) this.options.logger.info(`${call.name} request succeeded again`, { ...fields, failures });
          return answer.value;
        }
        problem = answer.problem;
      } catch (thrown) {
        if (thrown instanceof DeployliteError) throw thrown;
        if (signal.aborted) throw signal.reason;
        problem = describeNetworkError(thrown);
      }
      failures++;
      const delayMs = backoffDelay(failures);
      // The first failure and then every tenth: a server down for an hour is worth a few lines, not thousands.
      if (failures === 1 || failures % 10 === 0) {
        this.options.logger.warn(`${call.name} request failed; retrying`, { ...fields, problem, failures, retry_in_ms: delayMs });
      }
      await this.options.clock.sleep(delayMs, signal);
    }
  }

  private async attempt<T>(call: Call<T>, signal: AbortSignal): Promise<{ ok: true; value: T } | { ok: false; problem: string }> {
    const linked = linkSignals([signal], call.timeoutMs);
    let response: Response;
    let text: string;
    try {
      const method = call.method ?? 'POST';
      response = await this.options.fetch(`${this.baseUrl}${call.path}`, {
        method,
        headers: { authorization: `Bearer ${call.token}`, accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(method === 'POST' ? { body: JSON.stringify(call.body) } : {}),
        signal: linked.signal,
      });
      text = await response.text();
    } finally {
      linked.release();
    }
    if (response.ok) {
      const parsed = call.answer.safeParse(parseJson(text));
      if (parsed.success) return { ok: true, value: parsed.data };
      return { ok: false, problem: `unexpected answer: ${z.prettifyError(parsed.error).replace(/\s+/g, ' ')}` };
    }
    const status = response.status;
    const message = errorMessage(text) ?? response.statusText;
    if (status >= 500 || status === 408 || status === 429) return { ok: false, problem: `HTTP ${status}: ${message}` };
    if (status === 401 || status === 403) throw new UnauthorizedError(`the server rejected the ${call.name} request (HTTP ${status}): ${message}`);
    if (status === 409 && call.leaseId !== undefined) throw new ConflictError(`lease ${call.leaseId} is gone: ${message}`, 'lease.gone');
    throw new InvalidRequestError(`the server rejected the ${call.name} request (HTTP ${status}): ${message}`);
  }
}

function leasePath(leaseId: string): string {
  return `/api/v1/runner/leases/${encodeURIComponent(leaseId)}`;
}

export function isLeaseGone(error: unknown): boolean {
  return error instanceof ConflictError && error.code === 'lease.gone';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The server's `{ error: { message } }`, or the start of whatever a proxy in between answered. */
function errorMessage(text: string): string | undefined {
  const body = parseJson(text) as { error?: { message?: unknown } | string; message?: unknown } | undefined;
  const candidate = typeof body?.error === 'object' ? body.error.message : (body?.error ?? body?.message);
  if (typeof candidate === 'string' && candidate !== '') return candidate.slice(0, 500);
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, 200);
}

/** fetch's "fetch failed" says little; the cause holds ECONNREFUSED, ECONNRESET, … */
function describeNetworkError(thrown: unknown): string {
  const error = coerceError(thrown);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${error.message}: ${detail}` : error.message;
}
