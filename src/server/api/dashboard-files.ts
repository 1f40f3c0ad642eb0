import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';

/**
 * The dashboard's Content-Security-Policy: scripts, styles, images and connections (fetch,
 * and the log WebSocket: CSP Level 3 lets 'self' match ws:/wss: on the same host) only from
 * this server; no inline script or style, no eval, no plugins, no framing, forms post nowhere
 * else. Every other response keeps the API's `default-src 'none'`.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names what it builds under assets/ after its content hash, so a name never changes meaning. */
const HASHED_DIR = 'assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt']);

interface DashboardFile {
  readonly body: Buffer;
  /** Present when gzip makes the file smaller. */
  readonly gzip?: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

/** The built dashboard (dist/web), held in memory: it is small, and a rebuild cannot change what a running server serves half-way. */
export interface DashboardFiles {
  /** By URL path (`/index.html`, `/assets/index-3f2a.js`). */
  readonly files: ReadonlyMap<string, DashboardFile>;
}

/**
 * Reads every file under `dir` once. Undefined when the dashboard was not built (no
 * index.html): the server then answers only the API, as before the dashboard existed.
 */
export function loadDashboard(dir: string): DashboardFiles | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, DashboardFile>();
  for (const path of listFiles(dir)) {
    const name = relative(dir, path).split(sep).join('/');
    const extension = extname(name);
    const body = readFileSync(path);
    const gzip = COMPRESSIBLE.has(extension) ? gzipSync(body, { level: 9 }) : undefined;
    files.set(`/${name}`, {
      body,
      ...(gzip && gzip.length < body.length ? { gzip } : {}),
      type: TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      // Hashed assets may be kept forever; everything else (index.html first) is checked
      // with the server on every use, so a new build is seen at the next page load.
      cacheControl: name.startsWith(HASHED_DIR) ? IMMUTABLE : 'no-cache',
    });
  }
  return { files };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * Answers a request no API route matched, when it is the dashboard's: a GET or HEAD outside
 * `/api/` for one of its files, or — for a browser navigating to one of the app's own
 * addresses (`/runs/42`, Accept: text/html) — its index.html (the single-page app's
 * fallback). Anything else is undefined: the caller answers with the API's JSON 404, so a
 * mistyped API path or a missing asset is never "found" as HTML.
 */
export function serveDashboard(c: Context, dashboard: DashboardFiles): Response | undefined {
  const { method, path } = c.req;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (path === '/api' || path.startsWith('/api/')) return undefined;
  let file = dashboard.files.get(path === '/' ? '/index.html' : path);
  if (!file && !path.startsWith(`/${HASHED_DIR}`) && (c.req.header('accept') ?? '').includes('text/html')) file = dashboard.files.get('/index.html');
  if (!file) return undefined;

  const headers: Record<string, string> = { 'content-type': file.type, 'cache-control': file.cacheControl, etag: file.etag, vary: 'accept-encoding' };
  if (file.type.startsWith('text/html')) headers['content-security-policy'] = DASHBOARD_CSP;
  if (c.req.header('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  const gzip = file.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '') ? file.gzip : undefined;
  if (gzip) headers['content-encoding'] = 'gzip';
  const body = gzip ?? file.body;
  headers['content-length'] = String(body.length);
  return new Response(method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}
