import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { coerceError, DeployliteError, InvalidRequestError } from '../../core/index.js';
import type { ApiServices } from '../api/services.js';
import { errorBody, errorStatus } from '../api/error-mapper.js';
import { findJob, startLine } from '../api/log-stream-routes.js';
import type { RequestGuard } from '../api/request-guard.js';
import { DeniedError } from '../api/request-guard.js';
import { LOG_STREAM_RULE } from '../api/route-permissions.js';

const PATH = /^\/api\/v1\/logs\/([^/]+)\/stream$/;

/**
 * `GET /api/v1/logs/{jobId}/stream` as a WebSocket (the handbook's path): one JSON message
 * per line, then `{type: "end"}`. The token comes in the Authorization header, or — for
 * browsers, which cannot set headers on a WebSocket — as a `bearer.<token>` subprotocol.
 */
export function attachLogWebSocket(server: Server, services: ApiServices, guard: RequestGuard): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = URL.parse(request.url ?? '/', 'http://localhost');
    if (!url) return refuse(socket, 400, { code: 'invalid-request', message: 'the request target is not a valid URL' });
    const match = PATH.exec(url.pathname);
    if (!match) return refuse(socket, 404, { code: 'not-found', message: `no WebSocket at ${url.pathname}` });
    void (async () => {
      const protocol = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .find((p) => p.startsWith('bearer.'));
      const header = request.headers.authorization ?? (protocol ? `Bearer ${protocol.slice('bearer.'.length)}` : undefined);
      const jobId = decodeJobId(match[1] as string);
      await guard.check(LOG_STREAM_RULE, header, { jobId });
      const job = await findJob(services, jobId);
      const after = startLine(url.searchParams.get('after') ?? undefined, undefined);
      wss.handleUpgrade(request, socket, head, (ws) => {
        const subscription = services.logs.subscribe(job.runId, job.key, after, {
          line: ({ lineNo, stream, time, text }) => ws.send(JSON.stringify({ type: 'line', lineNo, stream, time, text })),
          end: (status) => {
            ws.send(JSON.stringify({ type: 'end', status }));
            ws.close(1000, 'job finished');
          },
        });
        ws.on('close', () => subscription.close());
        ws.on('error', () => subscription.close());
      });
    })().catch((thrown: unknown) => {
      const error = thrown instanceof DeniedError ? thrown.refusal : coerceError(thrown);
      if (thrown instanceof DeniedError || (error instanceof DeployliteError && error.code === 'unauthorized')) {
        void services.audit.record({
          actor: thrown instanceof DeniedError ? thrown.principal.name : 'anonymous',
          action: LOG_STREAM_RULE.action,
          resource: thrown instanceof DeniedError ? thrown.resource : url.pathname,
          status: 'denied',
          httpStatus: error instanceof DeployliteError ? errorStatus(error) : null,
          // As the REST API: the caller's X-Trace-Id, else a new one, so the entry can be followed up.
          traceId: String(request.headers['x-trace-id'] ?? '').slice(0, 64) || randomUUID(),
          sourceIp: request.socket.remoteAddress ?? 'unknown',
          detail: { method: 'GET', path: url.pathname },
        });
      }
      if (error instanceof DeployliteError) refuse(socket, errorStatus(error), errorBody(error));
      else {
        services.logger.error('log stream failed', { path: url.pathname, error: error.message, stack: error.stack });
        refuse(socket, 500, { code: 'internal', message: 'internal server error' });
      }
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

/** The path's job id, percent-decoded; malformed escapes (`%E0%A4%A`) are the client's mistake. */
function decodeJobId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new InvalidRequestError(`job id "${encoded}" is not valid percent-encoding`, 'jobId');
  }
}

/** Answers the upgrade request with a plain HTTP error in the REST API's shape. */
function refuse(socket: Duplex, status: number, error: { code: string; message: string; field?: string }): void {
  const body = JSON.stringify({ error });
  const reason = STATUS_CODES[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
