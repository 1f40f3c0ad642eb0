// HTTP as an attacker sends it: raw request targets (`/../`, which fetch would normalise away),
// any source address on the loopback network (127.0.0.0/8, so a test can be "another
// client"), and streams (SSE) cut off once their status is known. Used by the security tests.
import { request } from 'node:http';
import WebSocket from 'ws';
import type { ServerProcess } from './control-plane.js';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  json<T = unknown>(): T;
}

export interface CallOptions {
  /** A bearer credential; none for an anonymous call. */
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The client's source address, e.g. `127.0.0.7`; default 127.0.0.1. */
  readonly from?: string;
}

/** One request, with `path` sent exactly as given. An event stream is closed once its headers arrive. */
export function call(server: Pick<ServerProcess, 'port'>, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
    ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, localAddress: options.from ?? '127.0.0.1', agent: false }, (res) => {
      const reply = (text: string): Reply => ({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text,
        json: <T>() => JSON.parse(text) as T,
      });
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        resolve(reply(''));
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(reply(text)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a WebSocket: an accepted upgrade is status 101; a refused one answers with an HTTP status and a JSON error. */
export function upgrade(server: Pick<ServerProcess, 'port'>, path: string, token?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101, headers: {}, text: '', json: () => ({}) as never });
    });
    ws.on('unexpected-response', (req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        req.destroy();
      });
    });
    ws.on('error', reject);
  });
}

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Signs in; throws with the answer unless it is 200. */
export async function login(server: Pick<ServerProcess, 'port'>, username: string, password: string, from?: string): Promise<Session> {
  const reply = await call(server, 'POST', '/api/v1/auth/login', { body: { username, password }, ...(from ? { from } : {}) });
  if (reply.status !== 200) throw new Error(`login as ${username}: ${reply.status} ${reply.text}`);
  return reply.json<Session>();
}

/** A Prometheus sample's value (0 when absent); `labels` as written in the exposition, e.g. `reason="password"`. */
export async function metric(server: Pick<ServerProcess, 'port'>, name: string, labels = ''): Promise<number> {
  const text = (await call(server, 'GET', '/metrics')).text;
  const pattern = new RegExp(`^${name}${labels ? `\\{${labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\}` : '(\\{\\})?'} (\\S+)$`, 'm');
  const match = pattern.exec(text);
  return match ? Number(match[match.length - 1]) : 0;
}

export const PASSWORD = 'correct horse battery staple';
