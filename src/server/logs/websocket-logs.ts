import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Clock } from '../../core/index.js';
import { coerceError, DeployliteError } from '../../core/index.js';
import { authenticate, requireUser } from '../auth/tokens.js';
import type { ApiServices } from '../api/services.js';
import { findJob, startLine } from '../api/log-stream-routes.js';

const PATH = /^\/api\/v1\/logs\/([^/]+)\/stream$/;

/**
 * `GET /api/v1/logs/{jobId}/stream` as a WebSocket (the handbook's path): one JSON message
 * per line, then `{type: "end"}`. The token comes in the Authorization header, or — for
 * browsers, which cannot set headers on a WebSocket — as a `bearer.<token>` subprotocol.
 */
export function attachLogWebSocket(server: Server, services: ApiServices, clock: Clock): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = PATH.exec(url.pathname);
    if (!match) return refuse(socket, 404, 'not found');
    void (async () => {
      const protocol = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .find((p) => p.startsWith('bearer.'));
      const header = request.headers.authorization ?? (protocol ? `Bearer ${protocol.slice('bearer.'.length)}` : undefined);
      requireUser(await authenticate(services.store, clock, header));
      const job = await findJob(services, decodeURIComponent(match[1] as string));
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
      const error = coerceError(thrown);
      if (error instanceof DeployliteError) refuse(socket, error.code === 'unauthorized' ? 401 : error.code === 'not-found' ? 404 : 400, error.message);
      else refuse(socket, 500, 'internal server error');
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { message } });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
