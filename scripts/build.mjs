// Bundles each CLI entry point into one ESM file under dist/, so that a CLI start loads a
// single module instead of hundreds (and never compiles TypeScript at run time), then builds
// the dashboard (web/) into dist/web, which `deploylite server` serves at `/`.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

await build({
  entryPoints: { deploylite: 'src/main/deploylite.ts', deployctl: 'src/main/deployctl.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // Native addons cannot be bundled; they stay in node_modules. So does dockerode: its dependencies read files beside
  // themselves through __dirname (grpc's .proto files) and reach optional native addons (ssh2's cpu-features).
  // xmlbuilder2 and libxmljs2 are optional XML plugins of the CycloneDX library, required lazily inside a try;
  // DeployLite writes JSON SBOMs only and does not install them.
  // @kubernetes/client-node (4 MB) is imported with import() when the kubernetes executor is chosen; kept external, so
  // no other start reads it (bundled, its mere parsing slowed every start: docs/benchmarks.md).
  external: ['better-sqlite3', 'pg-native', 'dockerode', 'xmlbuilder2', 'libxmljs2', '@kubernetes/client-node'],
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

await buildDashboard();

/**
 * Builds web/ with Vite, unless dist/web was built from the same sources and locked
 * dependencies (the test runner builds before every run; the dashboard rarely changes). The
 * build goes to a scratch folder that then replaces dist/web, so a server starting meanwhile
 * reads the old dashboard or the new one, never half of each.
 */
async function buildDashboard() {
  const stampFile = 'dist/web.stamp';
  const stamp = hashFiles(['web', 'package-lock.json', 'scripts/build.mjs']);
  if (existsSync('dist/web/index.html') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  const { build: vite } = await import('vite');
  const scratch = resolve(`dist/web.building-${process.pid}`);
  const old = `dist/web.old-${process.pid}`;
  try {
    await vite({ configFile: 'web/vite.config.ts', logLevel: 'warn', build: { outDir: scratch, emptyOutDir: true } });
    if (existsSync('dist/web')) renameSync('dist/web', old);
    renameSync(scratch, 'dist/web');
    writeFileSync(stampFile, stamp);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

function hashFiles(paths) {
  const hash = createHash('sha256');
  const add = (path) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name !== 'node_modules' && !name.includes('.timestamp-')) add(join(path, name));
    } else {
      hash.update(`${path}\0`).update(readFileSync(path)).update('\0');
    }
  };
  for (const path of paths) add(path);
  return hash.digest('hex');
}
