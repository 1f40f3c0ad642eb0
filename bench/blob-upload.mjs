// Upload of a large artifact to the disk blob store over loopback HTTP (issue 6: 2 GB at ≥ 500 MB/s with
// the server's RSS growing < 100 MB), side by side with two references in the same run:
//   store   HTTP PUT of SIZE bytes into DiskBlobStore.put: SHA-256 while streaming, fsync, rename
//   raw     the same HTTP PUT piped straight to a file with the same fsync: no hashing, no store
//   hash    the same HTTP PUT hashed and dropped: the ceiling of HTTP + SHA-256 without a disk
//   cp      `cp` of the stored blob to a new file, then `sync` of it: the disk's own copy speed
// The server runs in a child process (bench/lib/blob-upload-server.mjs); its peak RSS is sampled every
// 20 ms and reported as growth over its RSS before the upload. Each round's bytes differ (no dedup).
// MB = 10^6 bytes. The scratch directory and its 2 GB files are removed at the end.
//
//   node --import tsx bench/blob-upload.mjs [--size-mb 2000] [--rounds 3]
import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/machine-info.mjs';
import { median, spread } from './lib/stats.mjs';

const SERVER = fileURLToPath(new URL('./lib/blob-upload-server.mjs', import.meta.url));
const CHUNK = 1024 * 1024;

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const size = Number(values['size-mb']) * 1e6;
const rounds = Number(values.rounds);

const dir = mkdtempSync(join(tmpdir(), 'blob-upload-bench-'));
const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
if (free < 4 * size) throw new Error(`need ${(4 * size) / 1e9} GB free in ${dir}, have ${(free / 1e9).toFixed(1)} GB`);

const server = spawn(process.execPath, ['--import', 'tsx', SERVER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portLine] = await once(server.stdout, 'data');
const port = Number(String(portLine).trim());

/** PUTs `size` bytes (1 MiB chunks, the round number stamped in each so rounds never dedupe), honouring backpressure. */
async function upload(path, round) {
  const template = Buffer.alloc(CHUNK, 0x5a);
  const started = performance.now();
  const req = request({ host: '127.0.0.1', port, agent: false, method: 'PUT', path, headers: { 'content-length': size } });
  const answered = once(req, 'response');
  for (let sent = 0, index = 0; sent < size; sent += CHUNK, index += 1) {
    const chunk = Buffer.from(template); // a buffer handed to write() is not ours to change again
    chunk.writeUInt32LE(round, 0);
    chunk.writeUInt32LE(index, 4);
    if (!req.write(sent + CHUNK <= size ? chunk : chunk.subarray(0, size - sent))) await once(req, 'drain');
  }
  req.end();
  const [response] = await answered;
  let body = '';
  for await (const part of response) body += part;
  if (response.statusCode !== 201) throw new Error(`${path}: ${response.statusCode} ${body}`);
  return { seconds: (performance.now() - started) / 1000, body: JSON.parse(body) };
}

async function rss(path) {
  const response = await new Promise((resolve, reject) => request({ host: '127.0.0.1', port, agent: false, path }, resolve).on('error', reject).end());
  let body = '';
  for await (const part of response) body += part;
  return JSON.parse(body);
}

const results = { store: [], raw: [], hash: [], cp: [], rssGrowthMb: [] };
try {
  for (let round = 1; round <= rounds; round += 1) {
    const before = await rss('/rss/reset');
    const stored = await upload('/blob', round);
    const after = await rss('/rss');
    results.store.push(size / 1e6 / stored.seconds);
    results.rssGrowthMb.push((after.peak - before.rss) / 1e6);
    results.raw.push(size / 1e6 / (await upload('/raw', round)).seconds);
    results.hash.push(size / 1e6 / (await upload('/hash', round)).seconds);
    const hex = stored.body.digest.slice('sha256:'.length);
    const blobPath = join(dir, 'blobs', 'sha256', hex.slice(0, 2), hex);
    const copyStarted = performance.now();
    const copied = spawnSync('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', blobPath, join(dir, 'cp-copy')]);
    if (copied.status !== 0) throw new Error(`cp failed: ${copied.stderr}`);
    results.cp.push(size / 1e6 / ((performance.now() - copyStarted) / 1000));
    rmSync(blobPath, { force: true });
    rmSync(join(dir, 'cp-copy'), { force: true });
    rmSync(join(dir, 'raw-upload'), { force: true });
    console.error(`round ${round}: store ${results.store.at(-1).toFixed(0)} MB/s, raw ${results.raw.at(-1).toFixed(0)} MB/s, hash ${results.hash.at(-1).toFixed(0)} MB/s, cp ${results.cp.at(-1).toFixed(0)} MB/s, RSS +${results.rssGrowthMb.at(-1).toFixed(1)} MB`);
  }
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}

const show = (list, digits = 0) => `${median(list).toFixed(digits)} (${spread(list).min.toFixed(digits)}–${spread(list).max.toFixed(digits)})`;
const info = machineInfo();
console.log(`machine: ${info.nproc} cores, ${info.cpuModel}, ${info.memoryGb} GB, node ${info.node}, commit ${info.commit}`);
console.log(`upload of ${size / 1e6} MB over loopback HTTP, ${rounds} rounds, median (min–max):`);
console.log('| path | MB/s | server RSS growth |');
console.log('|---|---|---|');
console.log(`| DiskBlobStore.put (SHA-256, fsync, rename) | ${show(results.store)} | ${show(results.rssGrowthMb, 1)} MB |`);
console.log(`| reference: raw pipe to a file (fsync, no hash) | ${show(results.raw)} | |`);
console.log(`| reference: HTTP + SHA-256, no disk | ${show(results.hash)} | |`);
console.log(`| reference: cp + sync of the stored blob | ${show(results.cp)} | |`);
console.log(`store / raw = ${(median(results.store) / median(results.raw)).toFixed(2)}, store / cp = ${(median(results.store) / median(results.cp)).toFixed(2)}`);
