import type * as z from 'zod/mini';
import { ApiErrorBody } from './api-schemas.js';
import { ApiError, BadResponseError, ServerUnreachableError } from './api-errors.js';
import type { Credentials } from './credentials.js';

export interface ApiClientOptions {
  /** Base URL without a trailing slash, e.g. `https://ci.example.com`. */
  readonly server: string;
  readonly credentials: Credentials;
  readonly fetch: typeof globalThis.fetch;
  /** Aborts every request (Ctrl-C). */
  readonly signal: AbortSignal;
  /** Limit for one request/response; streams are limited by their idle time instead. */
  readonly requestTimeoutMs: number;
}

/** A response both as the server sent it (for `--json`) and as checked against its schema. */
export interface ApiResponse<T> {
  readonly value: T;
  readonly raw: unknown;
}

type Query = Record<string, string | number | undefined>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestInit {
  readonly query?: Query;
  readonly body?: unknown;
}

/**
 * HTTP access to `/api/v1` of one server with one set of credentials (renewed on a 401 when
 * they can be, see Credentials). Every failure becomes one of
 * ApiError (an error status), ServerUnreachableError (no answer) or BadResponseError (an
 * answer that breaks the contract), except an abort by `signal`, which is rethrown as is.
 * The token only ever travels in the Authorization header; no message includes it.
 */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get server(): string {
    return this.options.server;
  }

  async request<S extends z.ZodMiniType>(
    method: Method,
    path: string,
    schema: S,
    init: RequestInit = {},
  ): Promise<ApiResponse<z.infer<S>>> {
    const signal = AbortSignal.any([this.options.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]);
    const response = await this.send(method, path, init, signal, 'application/json');
    const text = await this.readText(response, signal);
    if (!response.ok) throw this.errorFrom(response, text);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BadResponseError(`the server at ${this.server} answered ${method} ${apiPath(path)} with something that is not JSON`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new BadResponseError(
        `the server at ${this.server} answered ${method} ${apiPath(path)} with an unexpected response (${where}${issue?.message ?? 'invalid'})`,
      );
    }
    return { value: parsed.data as z.infer<S>, raw };
  }

  /** A request answered with an empty success (204), e.g. a DELETE. */
  async requestEmpty(method: Method, path: string, init: RequestInit = {}): Promise<void> {
    const signal = AbortSignal.any([this.options.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]);
    const response = await this.send(method, path, init, signal, 'application/json');
    const text = await this.readText(response, signal);
    if (!response.ok) throw this.errorFrom(response, text);
  }

  /**
   * Opens a streamed answer (Server-Sent Events by default, or e.g. JSON lines) and returns
   * its body once the server has answered with a success status. The caller reads (and may
   * abort) the stream with `signal`.
   */
  async openStream(path: string, query: Query, signal: AbortSignal, accept = 'text/event-stream'): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('GET', path, { query }, signal, accept);
    if (!response.ok) throw this.errorFrom(response, await this.readText(response, signal));
    if (!response.body) throw new BadResponseError(`the server at ${this.server} sent an empty stream for ${apiPath(path)}`);
    return response.body;
  }

  /** Sends the request; a 401 to a token that can be renewed is sent once more with the new one. */
  private async send(method: Method, path: string, init: RequestInit, signal: AbortSignal, accept: string) {
    const token = await this.options.credentials.current();
    const response = await this.sendWith(token, method, path, init, signal, accept);
    if (response.status !== 401 || token === undefined) return response;
    const renewed = await this.options.credentials.renew(token);
    if (renewed === undefined) return response;
    await response.body?.cancel().catch(() => undefined);
    return this.sendWith(renewed, method, path, init, signal, accept);
  }

  private async sendWith(token: string | undefined, method: Method, path: string, init: RequestInit, signal: AbortSignal, accept: string) {
    const url = new URL(`${this.server}${apiPath(path)}`);
    for (const [name, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.options.fetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal,
      });
    } catch (thrown) {
      throw this.unreachable(thrown, signal);
    }
  }

  private async readText(response: Response, signal: AbortSignal): Promise<string> {
    try {
      return await response.text();
    } catch (thrown) {
      throw this.unreachable(thrown, signal);
    }
  }

  private errorFrom(response: Response, text: string): Error {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = ApiErrorBody.safeParse(body);
    if (parsed.success) {
      const { code, message, field } = parsed.data.error;
      return new ApiError(response.status, code, message, field);
    }
    const reason = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return new ApiError(response.status, `http.${response.status}`, `the server at ${this.server} answered ${reason}`, undefined);
  }

  /** An abort by the user stays an abort; anything else thrown by fetch means no answer. */
  private unreachable(thrown: unknown, signal: AbortSignal): unknown {
    if (this.options.signal.aborted) return this.options.signal.reason ?? thrown;
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof Error && reason.name === 'TimeoutError') {
        return new ServerUnreachableError(this.server, `no answer within ${Math.round(this.options.requestTimeoutMs / 1000)}s`);
      }
      return reason ?? thrown;
    }
    return new ServerUnreachableError(this.server, describeNetworkError(thrown));
  }
}

function apiPath(path: string): string {
  return `/api/v1${path}`;
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in `cause`. */
export function describeNetworkError(thrown: unknown): string {
  const error = thrown instanceof Error ? thrown : undefined;
  let cause: unknown = error?.cause ?? error;
  // Happy eyeballs (localhost → ::1 and 127.0.0.1) fails with one error per address.
  if (cause instanceof AggregateError && cause.errors.length > 0 && !cause.message) cause = cause.errors[0];
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (cause.message) return cause.message;
    if (code) return code;
  }
  return error?.message ?? String(thrown);
}

/** One URL path segment: run ids, project names and job keys (`12:test (node 20)`) are encoded. */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}
