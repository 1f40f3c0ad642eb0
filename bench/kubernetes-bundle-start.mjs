// What bundling @kubernetes/client-node costs every CLI start (docs/benchmarks.md, "CLI start with the Kubernetes
// client bundled"). Builds three bundles of src/main/deploylite.ts with scripts/build.mjs's esbuild options — the
// client kept external and loaded by import() (as shipped), replaced by an empty stub (reference), bundled — and times
// `node <bundle> --version` for each, alternating, per round.
//   node bench/kubernetes-bundle-start.mjs [--rounds 15]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 15) || 15;
// Inside the repository, so that the bundles' external packages resolve from node_modules.
const root = '.bench-kubernetes-bundle';
const external = ['better-sqlite3', 'pg-native', 'dockerode', 'xmlbuilder2', 'libxmljs2'];
const stub = {
  name: 'stub-kubernetes-client',
  setup(builder) {
    builder.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: 'client', namespace: 'stub' }));
    builder.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export class KubeConfig {} export class BatchV1Api {} export class CoreV1Api {} export class Log {} export class Exec {}', loader: 'js' }));
  },
};
const variants = { shipped: { external: [...external, '@kubernetes/client-node'] }, stub: { plugins: [stub] }, bundled: {} };
try {
  for (const [name, extra] of Object.entries(variants)) {
    await build({
      entryPoints: { deploylite: 'src/main/deploylite.ts' },
      outdir: join(root, name),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external,
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
      ...extra,
    });
  }
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(variants)) {
      const started = process.hrtime.bigint();
      execFileSync(process.execPath, [join(root, name, 'deploylite.mjs'), '--version'], { stdio: 'ignore' });
      times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  for (const [name, list] of Object.entries(times)) {
    list.sort((a, b) => a - b);
    console.log(`${name.padEnd(9)} median ${list[Math.floor(list.length / 2)].toFixed(0)} ms  min ${list[0].toFixed(0)} ms  (${rounds} rounds)`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
