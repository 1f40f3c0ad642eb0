import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobAssignment, JobResult, LogBatch, PollRequest } from '../../../../src/protocol/index.js';
import { JobResult as JobResultSchema, LogBatch as LogBatchSchema, PollRequest as PollRequestSchema, RegisterRunnerRequest } from '../../../../src/protocol/index.js';

export interface RecordedRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  /** The body as it crossed the wire, to search for things that must never leave the runner. */
  readonly raw: string;
  readonly body: unknown;
}

type Kind = 'register' | 'poll' | 'logs' | 'result';
type StoredLine = LogBatch['lines'][number];

export interface ProtocolStubOptions {
  readonly leaseTtlMs?: number;
  readonly registrationToken?: string;
  readonly runnerToken?: string;
  readonly runnerId?: number;
}

/**
 * An in-process stand-in for the server's side of src/protocol/runner-protocol.ts on
 * loopback: it records every request and answers as the contract says — long polls held
 * until there is something to say, log batches appended at their offset (a batch that would
 * leave a gap is dropped), results accepted once per lease, 409 for a lease it does not hold.
 * Tests steer it: queue jobs, cancel or lose leases, fail the next requests, go down.
 */
export class ProtocolStub {
  readonly requests: RecordedRequest[] = [];
  readonly results = new Map<string, JobResult>();
  private readonly queue: JobAssignment[] = [];
  private readonly leases = new Map<string, 'active' | 'lost' | 'done'>();
  private readonly cancelled = new Set<string>();
  private readonly stored = new Map<string, StoredLine[]>();
  private readonly failures: { kind: Kind; status: number }[] = [];
  private readonly changes = new EventEmitter();
  private server: Server;
  private port = 0;
  readonly leaseTtlMs: number;
  readonly registrationToken: string;
  runnerToken: string;
  private readonly runnerId: number;

  private constructor(options: ProtocolStubOptions) {
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.registrationToken = options.registrationToken ?? 'registration-token';
    this.runnerToken = options.runnerToken ?? 'runner-token';
    this.runnerId = options.runnerId ?? 7;
    this.changes.setMaxListeners(0);
    this.server = this.createHttpServer();
  }

  static async start(options: ProtocolStubOptions = {}): Promise<ProtocolStub> {
    const stub = new ProtocolStub(options);
    await stub.listen(0);
    return stub;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Leases the job to the next poll that has a free slot; returns its lease id. */
  assign(assignment: Omit<JobAssignment, 'leaseId'>): string {
    const leaseId = randomUUID();
    this.queue.push({ ...assignment, leaseId });
    this.changes.emit('change');
    return leaseId;
  }

  cancel(leaseId: string): void {
    this.cancelled.add(leaseId);
    this.changes.emit('change');
  }

  /** Forgets the lease, as the server does when it expired: polls report it lost, logs and results get 409. */
  lose(leaseId: string): void {
    this.leases.set(leaseId, 'lost');
    this.changes.emit('change');
  }

  /** The next request of this kind is answered with `status` instead. */
  failNext(kind: Kind, status: number): void {
    this.failures.push({ kind, status });
  }

  logLines(leaseId: string): StoredLine[] {
    return this.stored.get(leaseId) ?? [];
  }

  logText(leaseId: string): string[] {
    return this.logLines(leaseId).map((line) => line.text);
  }

  requestsOf(kind: Kind, leaseId?: string): RecordedRequest[] {
    return this.requests.filter((r) => kindOf(r.path) === kind && (leaseId === undefined || r.path.includes(leaseId)));
  }

  polls(): PollRequest[] {
    return this.requestsOf('poll').map((r) => r.body as PollRequest);
  }

  /** Closes the listening socket and every connection: the runner sees connection refused. */
  async goDown(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Listens again on the same port, as a restarted server would. */
  async comeBack(): Promise<void> {
    this.server = this.createHttpServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.changes.emit('change');
    if (this.server.listening) await this.goDown();
  }

  private createHttpServer(): Server {
    return createServer((request, response) => void this.handle(request, response));
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of request) raw += String(chunk);
    const path = request.url ?? '';
    const recorded: RecordedRequest = { path, authorization: request.headers.authorization, raw, body: safeJson(raw) };
    this.requests.push(recorded);
    const kind = kindOf(path);
    const failure = this.failures.findIndex((f) => f.kind === kind);
    if (failure >= 0) {
      const status = this.failures.splice(failure, 1)[0]?.status ?? 500;
      return send(response, status, { error: { code: 'stub', message: `injected failure ${status}` } });
    }
    const token = kind === 'register' ? this.registrationToken : this.runnerToken;
    if (request.headers.authorization !== `Bearer ${token}`) return send(response, 401, { error: { code: 'unauthorized', message: 'bad token' } });
    const leaseId = decodeURIComponent(/leases\/([^/]+)\//.exec(path)?.[1] ?? '');
    if (kind === 'register') return this.register(recorded, response);
    if (kind === 'poll') return this.poll(recorded, response);
    if (this.leases.get(leaseId) !== 'active') return send(response, 409, { error: { code: 'lease.gone', message: 'the lease is gone' } });
    if (kind === 'logs') return this.appendLogs(leaseId, recorded, response);
    if (kind === 'result') return this.complete(leaseId, recorded, response);
    send(response, 404, { error: { code: 'not-found', message: path } });
  }

  private register(recorded: RecordedRequest, response: ServerResponse): void {
    const parsed = RegisterRunnerRequest.safeParse(recorded.body);
    if (!parsed.success) return send(response, 400, { error: { code: 'invalid', message: parsed.error.message } });
    send(response, 201, { runnerId: this.runnerId, token: this.runnerToken });
  }

  private async poll(recorded: RecordedRequest, response: ServerResponse): Promise<void> {
    const parsed = PollRequestSchema.safeParse(recorded.body);
    if (!parsed.success) return send(response, 400, { error: { code: 'invalid', message: parsed.error.message } });
    const { free, running, waitMs = 0 } = parsed.data;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const lost = running.filter((lease) => this.leases.get(lease) !== 'active');
      const cancel = running.filter((lease) => this.cancelled.has(lease) && this.leases.get(lease) === 'active');
      const jobs = this.queue.splice(0, free);
      for (const job of jobs) this.leases.set(job.leaseId, 'active');
      if (jobs.length > 0 || lost.length > 0 || cancel.length > 0 || Date.now() >= deadline || response.destroyed) {
        return send(response, 200, { jobs, cancel, lost, leaseTtlMs: this.leaseTtlMs });
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.changes.off('change', done);
          response.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, deadline - Date.now());
        this.changes.on('change', done);
        response.on('close', done);
      });
    }
  }

  private appendLogs(leaseId: string, recorded: RecordedRequest, response: ServerResponse): void {
    const parsed = LogBatchSchema.safeParse(recorded.body);
    if (!parsed.success) return send(response, 400, { error: { code: 'invalid', message: parsed.error.message } });
    const lines = this.stored.get(leaseId) ?? [];
    this.stored.set(leaseId, lines);
    const { offset } = parsed.data;
    // A batch starting past the end would leave a gap: dropped; the runner resends from `accepted`.
    if (offset <= lines.length) lines.push(...parsed.data.lines.slice(lines.length - offset));
    send(response, 200, { accepted: lines.length });
  }

  private complete(leaseId: string, recorded: RecordedRequest, response: ServerResponse): void {
    const parsed = JobResultSchema.safeParse(recorded.body);
    if (!parsed.success) return send(response, 400, { error: { code: 'invalid', message: parsed.error.message } });
    this.results.set(leaseId, parsed.data);
    this.leases.set(leaseId, 'done');
    send(response, 200, { ok: true });
  }
}

function kindOf(path: string): Kind | undefined {
  if (path === '/api/v1/runners/register') return 'register';
  if (path === '/api/v1/runner/poll') return 'poll';
  if (path.endsWith('/logs')) return 'logs';
  if (path.endsWith('/result')) return 'result';
  return undefined;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

type Falsy<T> = T | undefined | null | false | 0 | '';

/** Resolves with the first truthy value of `check`, polling it; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Falsy<T> | Promise<Falsy<T>>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
