// The example Node.js project (examples/node-app: ~480 packages in its package-lock.json) run twice with
// `deploylite run`, its pipeline caching node_modules, dist/ and the tsc/ESLint incremental state under a key
// hashing the lockfile and the sources (issue 6 and seed 002: a second run with a warm cache ≥ 5× faster than
// the first; the seed reports 217 s → 19 s):
//   cold   a fresh checkout with an empty cache: `npm install` downloads and unpacks every package, tsc and
//          ESLint check everything, then the job saves the cache (cache miss, cache saved)
//   warm   node_modules and dist/ removed from the checkout, the same pipeline again: the job restores the
//          cache (cache hit), `npm install` finds nothing to do and tsc finds its build state current
// Both runs use a fresh, empty npm download cache (NPM_CONFIG_CACHE), so the warm run gains only from
// DeployLite's cache, not from ~/.npm. Each round starts from a fresh copy of the project; the registry is
// the one npm is configured with (network time is part of the cold run, as in CI).
//
//   node bench/node-project-cache.mjs [--rounds 2]
import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEPLOYLITE_BIN, REPO_ROOT } from './lib/deploylite.mjs';
import { machineInfo } from './lib/machine-info.mjs';
import { median } from './lib/stats.mjs';

const CACHE_KEY = /node-[0-9a-f]+-[0-9a-f]+/.source;
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const rounds = Number(values.rounds);
const cold = [];
const warm = [];
const coldPhases = [];
const warmPhases = [];
for (let round = 0; round < rounds; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'node-project-cache-'));
  try {
    const app = join(dir, 'app');
    cpSync(join(REPO_ROOT, 'examples', 'node-app'), app, { recursive: true, filter: (source) => !/node_modules|\/dist$|\.deploylite$/.test(source) });
    execFileSync('git', ['init', '-q', '-b', 'main', app]);
    cold.push(run(app, join(dir, 'npm-cache-1'), new RegExp(`cache miss: ${CACHE_KEY}[\\s\\S]*cache saved: ${CACHE_KEY}`)));
    coldPhases.push(phases(app));
    rmSync(join(app, 'node_modules'), { recursive: true, force: true });
    rmSync(join(app, 'dist'), { recursive: true, force: true });
    warm.push(run(app, join(dir, 'npm-cache-2'), new RegExp(`cache hit: ${CACHE_KEY}`)));
    warmPhases.push(phases(app));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(machineInfo()));
console.log(`| run | seconds, each round | median |`);
console.log(`|---|---|---|`);
console.log(`| cold (cache miss, npm downloads) | ${cold.map((ms) => (ms / 1000).toFixed(1)).join(', ')} | ${(median(cold) / 1000).toFixed(1)} s |`);
console.log(`| warm (cache hit) | ${warm.map((ms) => (ms / 1000).toFixed(1)).join(', ')} | ${(median(warm) / 1000).toFixed(1)} s |`);
console.log(`cold / warm = ${(median(cold) / median(warm)).toFixed(1)}×`);
console.log('');
console.log('| phase (median s) | cold | warm |');
console.log('|---|---|---|');
for (const name of ['restore', 'install', 'build', 'lint', 'testAndSave', 'job']) {
  const of = (list) => (median(list.map((p) => p[name])) / 1000).toFixed(2);
  console.log(`| ${name} | ${of(coldPhases)} | ${of(warmPhases)} |`);
}

/**
 * Where the newest run's job spent its time, from the run history's log line times: restore (job start to
 * the first step's marker), each step to the next one's marker, and the last step together with the save
 * (no line marks the step's end), to the job's end.
 */
function phases(cwd) {
  const db = new Database(join(cwd, '.deploylite', 'runs.db'), { readonly: true });
  try {
    const { id } = db.prepare('select max(id) as id from runs').get();
    const job = db.prepare('select started_at as startedAt, finished_at as finishedAt from jobs where run_id = ?').get(id);
    const markers = db.prepare("select time, text from logs where run_id = ? and text like '▶ %'").all(id);
    const at = (name) => markers.find((line) => line.text === `▶ ${name}`)?.time;
    return {
      restore: at('install') - job.startedAt,
      install: at('build') - at('install'),
      build: at('lint') - at('build'),
      lint: at('test') - at('lint'),
      testAndSave: job.finishedAt - at('test'),
      job: job.finishedAt - job.startedAt,
    };
  } finally {
    db.close();
  }
}

/** One `deploylite run`, timed; fails unless it succeeded and its log shows `expected`. */
function run(cwd, npmCache, expected) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [DEPLOYLITE_BIN, 'run', '.deploylite.yml'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', NPM_CONFIG_CACHE: npmCache, NPM_CONFIG_UPDATE_NOTIFIER: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0 || !expected.test(result.stdout)) throw new Error(`deploylite run failed or did not show ${expected}:\n${result.stdout}\n${result.stderr}`);
  process.stderr.write(`${(elapsed / 1000).toFixed(1)} s: ${result.stdout.split('\n').filter((line) => /cache|install/.test(line)).join(' | ')}\n`);
  return elapsed;
}
