// Summarises a V8 CPU profile (`node --cpu-prof`) of the bundled CLI: self time per
// function and per source file, mapped back through dist/deploylite.mjs.map to src/ and
// node_modules/, so that "what costs time" can be read without a browser.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/deploylite run dag.yml --parallel 50
//   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sourceMaps = new Map();

function sourceMapFor(url) {
  if (!url.startsWith('file://') || !url.endsWith('.mjs')) return undefined;
  if (!sourceMaps.has(url)) {
    const mapPath = `${fileURLToPath(url)}.map`;
    sourceMaps.set(url, existsSync(mapPath) ? new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8'))) : undefined);
  }
  return sourceMaps.get(url);
}

/** "src/engine/run-job.ts", "node_modules/yaml/…", "node:internal/…", or a special V8 bucket. */
function locate(callFrame) {
  const { url, lineNumber, columnNumber, functionName } = callFrame;
  if (!url) return { file: `(${functionName || 'anonymous'})`, line: 0 };
  const map = sourceMapFor(url);
  if (map) {
    const entry = map.findEntry(lineNumber, columnNumber);
    if (entry && entry.originalSource) {
      const file = entry.originalSource.replace(/^.*?\/(src|node_modules)\//, '$1/');
      return { file, line: entry.originalLine + 1 };
    }
  }
  return { file: url.replace(/^file:\/\/.*\/node_modules\//, 'node_modules/'), line: lineNumber + 1 };
}

export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (deltas[i + 1] ?? 0)));
  const functions = new Map();
  const files = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    const where = locate(node.callFrame);
    const name = `${node.callFrame.functionName || '(anonymous)'}  ${where.file}:${where.line}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const group = where.file.startsWith('node_modules/') ? where.file.split('/').slice(0, 2).join('/') : where.file;
    files.set(group, (files.get(group) ?? 0) + micros);
    total += micros;
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, functions: sorted(functions), files: sorted(files) };
}

function main() {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  if (positionals.length === 0) {
    console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile... [--top N]');
    process.exit(2);
  }
  const top = Number(values.top);
  for (const path of positionals) {
    const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')));
    const pct = (micros) => `${((micros / 1000 / summary.totalMs) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms`;
    console.log(`${path}: ${summary.totalMs.toFixed(0)} ms sampled\n\nself time by file:`);
    for (const [file, micros] of summary.files.slice(0, top)) console.log(`  ${pct(micros)}  ${file}`);
    console.log('\nself time by function:');
    for (const [name, micros] of summary.functions.slice(0, top)) console.log(`  ${pct(micros)}  ${name}`);
    console.log('');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
