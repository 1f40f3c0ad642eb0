// The dashboard's download: the JavaScript a browser must fetch before the first page can
// run (the entry script index.html names, and any chunk it preloads), gzipped as the server
// sends it (level 9); then the CSS, and every page's lazy chunks for the whole picture.
// Reads dist/web, so build first:
//
//   npm run build && node bench/bundle-size.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const WEB = join(import.meta.dirname, '..', 'dist', 'web');
const TARGET_KB = 200;

const html = readFileSync(join(WEB, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<script[^>]+type="module"[^>]+src="\/([^"]+)"|<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+)"/g)].map((match) => match[1] ?? match[2]);
const all = readdirSync(join(WEB, 'assets')).map((name) => `assets/${name}`);

const size = (paths) => {
  let raw = 0;
  let gzip = 0;
  for (const path of paths) {
    const body = readFileSync(join(WEB, path));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { raw, gzip };
};
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const rows = [
  ['initial JavaScript', initial, size(initial)],
  ['CSS', all.filter((p) => p.endsWith('.css')), size(all.filter((p) => p.endsWith('.css')))],
  ['all JavaScript (every page loaded)', all.filter((p) => p.endsWith('.js')), size(all.filter((p) => p.endsWith('.js')))],
];
console.log('| what | files | raw | gzipped |');
console.log('|---|---|---|---|');
for (const [name, files, { raw, gzip }] of rows) console.log(`| ${name} | ${files.length} | ${kb(raw)} | ${kb(gzip)} |`);
const initialGzip = size(initial).gzip;
console.log(`\ninitial JavaScript gzipped: ${kb(initialGzip)} (target ≤ ${TARGET_KB} KB: ${initialGzip <= TARGET_KB * 1024 ? 'met' : 'NOT met'})`);
