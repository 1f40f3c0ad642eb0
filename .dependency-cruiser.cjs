// One-way dependencies between folders (../shared/style.md). A new arrow pointing the
// wrong way fails `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
const layer = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'itself'}`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: { path: '^src/', pathNot: [`^src/${from}/`, ...allowed.map((a) => `^src/${a}/`)] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('core', []),
    layer('pipeline', ['core']),
    layer('engine', ['core', 'pipeline']),
    layer('executors', ['core', 'engine']),
    layer('store', ['core', 'engine', 'pipeline']),
    layer('protocol', ['core']),
    // The GitHub Actions front end: a second way into the same Pipeline model (engine never imports it).
    layer('workflows', ['core', 'pipeline']),
    layer('cli', ['core', 'pipeline', 'engine', 'protocol', 'workflows', 'artifacts']),
    // The runner never imports the server (nor the server the runner): they meet in protocol/.
    layer('runner', ['core', 'pipeline', 'engine', 'protocol', 'artifacts']),
    // The server reads GitHub workflows as it reads native pipelines (docs/architecture.md,
    // "Why the server imports workflows/"): workflows/ is a pure front end beside pipeline/.
    layer('server', ['core', 'pipeline', 'workflows', 'engine', 'protocol', 'store', 'artifacts']),
    // Blob stores, artifacts, caches: storage with no knowledge of pipelines, runs or the server.
    layer('artifacts', ['core']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: 'node_modules' },
  },
};
