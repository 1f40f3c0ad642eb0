// Bundles each CLI entry point into one ESM file under dist/, so that a CLI start loads a
// single module instead of hundreds (and never compiles TypeScript at run time).
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
  // Native addons cannot be bundled; they stay in node_modules.
  external: ['better-sqlite3', 'pg-native'],
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
