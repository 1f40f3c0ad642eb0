// A small JSON client over node:http with keep-alive connections, for the control-plane
// benchmarks. Not fetch: undici's per-request cost would be measured as the server's, and
// a simulated runner should cost the machine as little as possible.
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';

/**
 * @param {string} baseUrl  e.g. http://127.0.0.1:7391
 * @param {{ maxSockets?: number }} [options]
 */
export function createJsonClient(baseUrl, options = {}) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ token?: string, body?: unknown, expect?: number }} [call]
   * @returns {Promise<{ status: number, body: any, bytes: number }>}
   */
  function call(method, path, options = {}) {
    return attempt(method, path, options).catch((error) => {
      // A keep-alive socket the server closed while idle fails the next request with
      // ECONNRESET before the server saw it (Node's docs: check `reusedSocket`); once more
      // on a fresh socket is safe.
      if (error.reusedSocket && error.code === 'ECONNRESET') return attempt(method, path, options);
      throw error;
    });
  }

  function attempt(method, path, { token, body, expect } = {}) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          let parsed;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          const status = res.statusCode ?? 0;
          if (expect !== undefined ? status !== expect : status >= 400) {
            reject(new Error(`${method} ${path}: ${status} ${text.slice(0, 500)}`));
          } else {
            resolve({ status, body: parsed, bytes: raw.length });
          }
        });
      });
      req.on('error', (error) =>
        reject(Object.assign(new Error(`${method} ${path}: ${error.message}`), { code: error.code, reusedSocket: req.reusedSocket })),
      );
      if (payload) req.end(payload);
      else req.end();
    });
  }

  return {
    call,
    /** JSON body of a successful call (or of the `expect`ed status). */
    async json(method, path, token, body, expect) {
      return (await call(method, path, { token, body, expect })).body;
    },
    close() {
      agent.destroy();
    },
  };
}
