import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JobSpec } from '../../../src/pipeline/index.js';
import { compileWorkflow } from '../../../src/workflows/index.js';
import { dedent } from '../../support/dedent.js';

const FILE = '.github/workflows/ci.yml';

async function compileJobs(yaml: string): Promise<JobSpec[]> {
  const result = await compileWorkflow(dedent(yaml), FILE);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.ok(result.pipeline);
  return [...result.pipeline.jobs];
}

/** Error diagnostics as `LINE:COL message`. */
async function errors(yaml: string): Promise<string[]> {
  const result = await compileWorkflow(dedent(yaml), FILE);
  assert.equal(result.pipeline, undefined);
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.message}`);
}

test('actions/cache becomes the job cache: key, multi-line paths and restore keys', async () => {
  const [job] = await compileJobs(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - id: npm
            uses: actions/cache@v4
            with:
              path: |
                ~/.npm
                node_modules
              key: npm-\${{ runner.os }}-\${{ hashFiles('**/package-lock.json') }}
              restore-keys: |
                npm-\${{ runner.os }}-
                npm-
              enableCrossOsArchive: true
              fail-on-cache-miss: true
            env: { LEVEL: step }
          - run: npm ci
  `);
  assert.deepEqual(job?.cache, {
    key: "npm-${{ runner.os }}-${{ hashFiles('**/package-lock.json') }}",
    paths: ['~/.npm', 'node_modules'],
    restoreKeys: ['npm-${{ runner.os }}-', 'npm-'],
  });
  assert.equal(job?.steps[0]?.uses, 'actions/cache@v4');
  assert.equal(job?.steps[0]?.shell, 'sh');
  assert.deepEqual(job?.steps[0]?.env, { LEVEL: 'step', DEPLOYLITE_FAIL_ON_CACHE_MISS: 'true' });
});

test('a second actions/cache, a key from the steps context and a wildcard path are errors at their lines', async () => {
  const found = await errors(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/cache@v3
            with: { path: deps, key: a }
          - id: date
            run: echo "d=$(date +%F)" >> "$GITHUB_OUTPUT"
          - uses: actions/cache@v4
            with:
              path: "**/node_modules"
              key: deps-\${{ steps.date.outputs.d }}
              save-always: true
          - uses: actions/cache@v2
            with: { path: x, key: y }
  `);
  assert.deepEqual(found, [
    '10:15 a second actions/cache step in one job is not supported by DeployLite yet: the job already caches with the actions/cache step at line 6; list every path in that one step',
    '12:17 actions/cache path "**/node_modules" is not supported by DeployLite yet: the job\'s cache archives named directories and files; name them without wildcards or "!"',
    '13:16 actions/cache: "key" cannot use the steps context: the cache is restored before the job\'s first step',
    '14:11 actions/cache input "save-always" is not supported by DeployLite yet: the job\'s cache is saved only after a successful job, as actions/cache does by default',
    "15:15 uses: actions/cache@v2 is not supported by DeployLite yet: DeployLite's built-in actions/cache stands for @v3 and @v4",
  ]);
});

test('actions/cache without key or path names the missing input', async () => {
  assert.deepEqual(
    await errors(`
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - uses: actions/cache@v4
              with: { key: k }
    `),
    ['7:15 actions/cache: input "path" is required'],
  );
});

test("upload-artifact becomes the job's artifacts; its if: decides when they are kept; download checks the needed job", async () => {
  const [build, report, deploy] = await compileJobs(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - run: make
          - uses: actions/upload-artifact@v4
            with:
              name: dist
              path: |
                dist/**/*.js
                dist/index.html
              retention-days: 5
      report:
        runs-on: ubuntu-latest
        steps:
          - run: make test
          - if: \${{ always() }}
            uses: actions/upload-artifact@v3
            with: { path: report.xml }
      deploy:
        needs: [build, report]
        runs-on: ubuntu-latest
        steps:
          - uses: actions/download-artifact@v4
            with: { name: dist, path: dist }
          - uses: actions/download-artifact@v4
            with: { name: artifact }
  `);
  assert.deepEqual(build?.artifacts, { paths: ['dist/**/*.js', 'dist/index.html'], name: 'dist', when: 'on_success', expireIn: 5 * 86_400_000 });
  assert.deepEqual(report?.artifacts, { paths: ['report.xml'], name: 'artifact', when: 'always' });
  assert.equal(deploy?.artifacts, undefined);
  assert.deepEqual(deploy?.steps.map((step) => step.uses), ['actions/download-artifact@v4', 'actions/download-artifact@v4']);
});

test('a download from a job not needed, to another place than the upload, or of a name used twice is an error at its line', async () => {
  const found = await errors(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/upload-artifact@v4
            with: { name: dist, path: dist/ }
      lint:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/upload-artifact@v4
            with: { name: dist, path: lint.txt }
      test:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/download-artifact@v4
            with: { name: dist }
      ship:
        needs: build
        runs-on: ubuntu-latest
        steps:
          - uses: actions/download-artifact@v4
            with: { name: dist }
      deploy:
        needs: build
        runs-on: ubuntu-latest
        steps:
          - uses: actions/download-artifact@v4
            with: { pattern: 'dist-*', merge-multiple: true }
          - if: github.ref == 'refs/heads/main'
            uses: actions/upload-artifact@v4
            with: { name: site, path: site }
  `);
  assert.deepEqual(found, [
    '11:15 actions/upload-artifact: job "lint" uploads "dist", which job "build" uploads too; give one another name',
    '16:15 actions/download-artifact of "dist" is not supported by DeployLite yet: it is uploaded by job "build", which job "test" does not need; DeployLite brings in the artifacts of the jobs a job needs',
    '22:15 actions/download-artifact of "dist" to "." is not supported by DeployLite yet: its files were uploaded from "dist" and DeployLite restores them there (GitHub puts them under path relative to that directory); set path: dist',
    '29:17 actions/download-artifact input "pattern" is not supported by DeployLite yet: the built-in download-artifact takes the name of an artifact of a job this job needs, and its path',
    '29:36 actions/download-artifact input "merge-multiple" is not supported by DeployLite yet: the built-in download-artifact takes the name of an artifact of a job this job needs, and its path',
    "31:15 actions/upload-artifact with if: github.ref == 'refs/heads/main' is not supported by DeployLite yet: the artifact is kept after the job by its outcome; the step's \"if\" may be success(), failure() or always()",
  ]);
});

test('cache and artifact actions inside a composite action are refused: they act on the whole job', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const workspace = mkdtempSync(join(tmpdir(), 'job-file-actions-'));
  mkdirSync(join(workspace, 'act'));
  writeFileSync(
    join(workspace, 'act', 'action.yml'),
    'name: a\ndescription: d\nruns:\n  using: composite\n  steps:\n    - uses: actions/cache@v4\n      with: { path: x, key: y }\n',
  );
  const result = await compileWorkflow(dedent(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        steps: [{ uses: ./act }]
  `), FILE, { actions: { workspace } });
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`),
    [
      `${FILE}:5:21 uses: ./act: the action's act/action.yml has errors`,
      "act/action.yml:6:13 uses: actions/cache@v4 inside a composite action is not supported by DeployLite yet: it acts on the whole job (restored before its first step, saved after its last); use it in the job's own steps",
    ],
  );
});

test('a download step reports its path as written: shell characters in it are not run', async () => {
  const jobs = await compileJobs(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/upload-artifact@v4
            with: { name: dist, path: 'out$(echo ran)/' }
      deploy:
        needs: build
        runs-on: ubuntu-latest
        steps:
          - uses: actions/download-artifact@v4
            with: { name: dist, path: 'out$(echo ran)' }
  `);
  const step = jobs.find((job) => job.id === 'deploy')?.steps[0];
  assert.ok(step?.run);
  const dir = mkdtempSync(join(tmpdir(), 'download-step-'));
  try {
    const output = join(dir, 'output');
    execFileSync('sh', ['-c', step.run], { cwd: dir, env: { ...process.env, ...step.env, DEPLOYLITE_OUTPUT: output } });
    assert.equal(readFileSync(output, 'utf8'), `download-path=${realpathSync(dir)}/out$(echo ran)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
