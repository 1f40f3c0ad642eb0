/**
 * A stand-in for a DeployLite server on loopback: canned responses shaped like docs/api.md,
 * and a record of every request, so tests see exactly what `deployctl` sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, still URL-encoded (`/api/v1/logs/7%3Abuild/events`). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface ApiStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Serves `handler` for `METHOD /api/v1/...` (exact path); a later registration wins. */
  on(method: string, path: string, handler: Handler): void;
  /** A canned JSON answer. */
  json(method: string, path: string, status: number, body: unknown): void;
  /** Successive answers to the same request; the last one repeats. */
  sequence(method: string, path: string, bodies: readonly unknown[]): void;
  close(): Promise<void>;
}

export async function startApiStandIn(): Promise<ApiStandIn> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, response) => {
    void handle(incoming, response);
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(incoming.url ?? '/', 'http://stand-in');
    const request: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: incoming.headers.authorization,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    requests.push(request);
    const handler = routes.get(`${request.method} ${request.path}`);
    if (!handler) {
      sendJson(response, 404, { error: { code: 'route.not-found', message: `no route ${request.method} ${request.path}` } });
      return;
    }
    await handler(request, response);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const on = (method: string, path: string, handler: Handler) => {
    routes.set(`${method} ${path}`, handler);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on,
    json: (method, path, status, body) => on(method, path, (_request, response) => sendJson(response, status, body)),
    sequence(method, path, bodies) {
      let next = 0;
      on(method, path, (_request, response) => sendJson(response, 200, bodies[Math.min(next++, bodies.length - 1)]));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Starts an SSE answer; write messages with `sseMessage`. */
export function startEventStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
}

export function sseLine(line: { lineNo: number; stream?: string; text: string }): string {
  const data = { type: 'line', lineNo: line.lineNo, stream: line.stream ?? 'stdout', time: '2025-01-01T00:00:01.000Z', text: line.text };
  return `id: ${line.lineNo}\nevent: line\ndata: ${JSON.stringify(data)}\n\n`;
}

export function sseEnd(status: string): string {
  return `event: end\ndata: ${JSON.stringify({ type: 'end', status })}\n\n`;
}

/** A port on loopback where nothing listens: connections to it are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
