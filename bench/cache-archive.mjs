// Cache save and restore of a 50,000-file tree (issue 6: within 1.5× of `tar` piped through `zstd` on the same
// tree), side by side in the same run:
//   save           what a job's cache save does: packCacheArchive (tar | zstd, spawned) streamed into a
//                  CacheStore on a DiskBlobStore (SHA-256 while streaming, fsync, rename) plus the index entry
//   tar | zstd     `tar -c -C WS node_modules | zstd -q -T0 -c > FILE && sync FILE` (the same fsync)
//   restore        what a job's cache restore does: the index lookup, the blob read back (re-hashed as it
//                  streams) into unpackCacheArchive (zstd -d | tar -x, spawned) in a fresh workspace
//   zstd -d | tar  `zstd -q -d -c FILE | tar -x -C DIR` into a fresh directory
// The tree looks like a node_modules: 2,500 packages of 20 files each, 200 B–8 KB of text. Each round
// measures the four in rotating order, with a fresh key and fresh target directories, each after a `sync`
// (untimed) so no measure pays for the previous one's writeback; the median is reported.
//
//   node --import tsx bench/cache-archive.mjs [--files 50000] [--rounds 5]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CacheStore, cacheStoreBackend, cacheVersion, DiskBlobStore, FileCacheIndex, packCacheArchive, parseCachePath, unpackCacheArchive } from '../src/artifacts/index.js';
import { systemClock } from '../src/core/index.js';
import { machineInfo } from './lib/machine-info.mjs';
import { median, spread } from './lib/stats.mjs';

const { values } = parseArgs({ options: { files: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } } });
const fileCount = Number(values.files);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'cache-archive-bench-'));

try {
  const source = join(dir, 'source');
  const bytes = makeTree(join(source, 'node_modules'), fileCount);
  const store = new CacheStore({ index: new FileCacheIndex(join(dir, 'store', 'index.json')), blobs: new DiskBlobStore({ root: join(dir, 'store') }), clock: systemClock });
  const backend = cacheStoreBackend(store, { project: 'bench', branch: 'main' });
  const paths = [parseCachePath('node_modules')];
  const version = cacheVersion(paths);
  const signal = new globalThis.AbortController().signal;
  const times = { save: [], tarZstd: [], restore: [], zstdTar: [] };
  let archiveBytes = 0;
  let referenceBytes = 0;
  for (let round = 0; round < rounds; round++) {
    const key = `bench-${round}`;
    const reference = join(dir, `reference-${round}.tar.zst`);
    const measures = [
      ['save', async () => {
        const result = await backend.save({ key, version }, packCacheArchive(paths, { workspace: source }, signal), signal);
        archiveBytes = result.size;
      }],
      ['tarZstd', async () => {
        execFileSync('sh', ['-c', 'tar -c -C "$1" node_modules | zstd -q -T0 -c > "$2" && sync "$2"', 'sh', source, reference]);
      }],
    ];
    // Saves first (the restores read what they wrote), each pair in rotating order.
    for (const [name, run] of round % 2 === 0 ? measures : [...measures].reverse()) times[name].push(await timed(run));
    referenceBytes = Number(execFileSync('stat', ['-c', '%s', reference], { encoding: 'utf8' }));
    const restores = [
      ['restore', async () => {
        const workspace = freshDir(`restore-${round}`);
        const found = await backend.lookup({ key, restoreKeys: [], version }, signal);
        if (!found || found.kind !== 'hit') throw new Error('the saved cache was not found');
        await unpackCacheArchive(await found.open(signal), paths, { workspace }, signal);
      }],
      ['zstdTar', async () => {
        const target = freshDir(`reference-restore-${round}`);
        execFileSync('sh', ['-c', 'zstd -q -d -c "$1" | tar -x -C "$2"', 'sh', reference, target]);
      }],
    ];
    for (const [name, run] of round % 2 === 0 ? restores : [...restores].reverse()) times[name].push(await timed(run));
    const check = execFileSync('sh', ['-c', 'diff -r "$1" "$2" && find "$1" -type f | wc -l', 'sh', join(source, 'node_modules'), join(dir, `restore-${round}`, 'node_modules')], { encoding: 'utf8' }).trim();
    if (Number(check) !== fileCount) throw new Error(`the restored tree differs or is incomplete (${check} files)`);
    rmSync(join(dir, `restore-${round}`), { recursive: true, force: true });
    rmSync(join(dir, `reference-restore-${round}`), { recursive: true, force: true });
    rmSync(reference, { force: true });
  }
  const row = (name, mine, theirs) => `| ${name} | ${fmt(times[mine])} | ${fmt(times[theirs])} | ${(median(times[mine]) / median(times[theirs])).toFixed(2)}× |`;
  console.log(JSON.stringify(machineInfo()));
  console.log(`tree: ${fileCount} files, ${(bytes / 1e6).toFixed(1)} MB; archive ${(archiveBytes / 1e6).toFixed(1)} MB (reference ${(referenceBytes / 1e6).toFixed(1)} MB); ${rounds} rounds, median (min–max)`);
  console.log('| | DeployLite | reference | ratio |');
  console.log('|---|---|---|---|');
  console.log(row('save (vs tar -c | zstd)', 'save', 'tarZstd'));
  console.log(row('restore (vs zstd -d | tar -x)', 'restore', 'zstdTar'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function freshDir(name) {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

async function timed(run) {
  // Written back first, so one measure never pays for the dirty pages of the one before (untimed).
  execFileSync('sync');
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function fmt(samples) {
  const { min: low, max: high } = spread(samples);
  return `${(median(samples) / 1000).toFixed(2)} s (${(low / 1000).toFixed(2)}–${(high / 1000).toFixed(2)})`;
}

/** Packages of 20 files of JavaScript-like text, 200 B to 8 KB, deterministic. */
function makeTree(root, count) {
  let total = 0;
  let seed = 1;
  // xorshift32, deterministic: every run packs the same tree.
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const words = ['function', 'return', 'const', 'module.exports', 'require', 'this', 'value', 'options', 'callback', 'undefined', '=>', '{', '}', ';'];
  for (let index = 0; index < count; index++) {
    const pkg = join(root, `pkg-${Math.floor(index / 20)}`, index % 20 < 10 ? 'lib' : '');
    if (index % 10 === 0) mkdirSync(pkg, { recursive: true });
    const size = 200 + Math.floor(random() * 7800);
    let text = '';
    // Identifiers made of random letters keep it about as compressible as real packages (zstd: ~4:1).
    while (text.length < size) text += `${words[Math.floor(random() * words.length)]} id${Math.floor(random() * 2 ** 30).toString(36)} `;
    writeFileSync(join(pkg, `file-${index}.js`), text);
    total += text.length;
  }
  return total;
}
