// Runs the test suites with Node's own test runner. Test files are TypeScript, loaded
// through tsx; the end-to-end tests drive the bundled CLI, so the bundle is built first.
//   node scripts/run-tests.mjs                 unit + e2e tests (what `npm test` runs)
//   node scripts/run-tests.mjs --conformance   suites against ../shared/conformance
//   node scripts/run-tests.mjs FILE...         only these files
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const args = process.argv.slice(2);
const conformance = args.includes('--conformance');
const explicit = args.filter((a) => !a.startsWith('--'));
const files = explicit.length > 0
  ? explicit
  : conformance
    ? findTests('test/conformance')
    : [...findTests('test/unit'), ...findTests('test/e2e')];

const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const concurrency = Math.max(2, availableParallelism());
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
