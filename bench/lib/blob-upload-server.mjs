// The server side of bench/blob-upload.mjs, in its own process so its RSS is its own. Run under tsx (it
// imports the DiskBlobStore from src/). Routes:
//   PUT /blob   the request body into DiskBlobStore.put (hashed, fsynced, renamed into place)
//   PUT /raw    the reference: the body piped to a file with the same fsync, no hashing, no store
//   PUT /hash   the ceiling without a disk: the body hashed with SHA-256 and dropped
//   GET /rss    { rss, peak } in bytes since the last GET /rss/reset
// Prints its port on stdout.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setInterval } from 'node:timers';
import { DiskBlobStore } from '../../src/artifacts/index.ts';

const root = process.argv[2];
if (!root) throw new Error('usage: blob-upload-server.mjs ROOT');
const store = new DiskBlobStore({ root });
let peak = process.memoryUsage.rss();
setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20).unref();

const server = createServer(async (request, response) => {
  const reply = (status, body) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  try {
    if (request.method === 'PUT' && request.url === '/blob') {
      const blob = await store.put(request, { expectedSize: Number(request.headers['content-length']) });
      reply(201, blob);
    } else if (request.method === 'PUT' && request.url === '/raw') {
      await pipeline(request, createWriteStream(join(root, 'raw-upload'), { flush: true }));
      reply(201, {});
    } else if (request.method === 'PUT' && request.url === '/hash') {
      const hash = createHash('sha256');
      for await (const chunk of request) hash.update(chunk);
      reply(201, { digest: `sha256:${hash.digest('hex')}` });
    } else if (request.url === '/rss/reset') {
      peak = process.memoryUsage.rss();
      reply(200, { rss: peak, peak });
    } else if (request.url === '/rss') {
      reply(200, { rss: process.memoryUsage.rss(), peak });
    } else reply(404, {});
  } catch (thrown) {
    reply(500, { error: String(thrown) });
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
