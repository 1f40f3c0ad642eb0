import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';
import { readReport } from './support/summary-table.js';

test('hashFiles() hashes the matching files and changes when one of them changes', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        key:
          outputs: { key: "deps-\${{ hashFiles('**/*.lock') }}" }
          steps: [{ run: 'true' }]
    `,
    'a.lock': 'one',
    'sub/b.lock': 'two',
  });
  const key = async () => {
    assertExit(await runCli(['run', 'ci.yml', '--report', 'r.json'], { cwd: dir }), 0);
    return readReport(join(dir, 'r.json')).jobs[0]?.outputs.key;
  };
  const first = await key();
  assert.match(first ?? '', /^deps-[0-9a-f]{64}$/);
  assert.equal(await key(), first);
  writeFileSync(join(dir, 'sub/b.lock'), 'changed');
  assert.notEqual(await key(), first);
});

test('matrix include and exclude shape the combinations the CLI runs', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        test:
          matrix:
            os: [linux, mac]
            node: [18, 20]
            exclude: [{ os: mac, node: 18 }]
            include: [{ os: linux, node: 20, coverage: true }, { os: windows, node: 20 }]
          steps: [{ run: 'echo "\${{ matrix.os }}-\${{ matrix.node }}-\${{ matrix.coverage }}" >> combos' }]
    `,
  });
  assertExit(await runCli(['run', 'ci.yml', '--report', 'r.json'], { cwd: dir }), 0);
  const matrices = readReport(join(dir, 'r.json')).jobs.map((job) => job.matrix);
  assert.deepEqual(matrices, [
    { os: 'linux', node: 18 },
    { os: 'linux', node: 20, coverage: true },
    { os: 'mac', node: 20 },
    { os: 'windows', node: 20 },
  ]);
  assert.deepEqual(readFileSync(join(dir, 'combos'), 'utf8').trim().split('\n').sort(), [
    'linux-18-',
    'linux-20-true',
    'mac-20-',
    'windows-20-',
  ]);
});

test('a matrix built from a needed job\'s output with fromJSON runs one instance per element', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        plan:
          outputs: { targets: '\${{ steps.p.outputs.targets }}' }
          steps: [{ id: p, run: 'echo "targets=[\\"amd64\\",\\"arm64\\"]" >> "$DEPLOYLITE_OUTPUT"' }]
        build:
          needs: plan
          matrix: { arch: '\${{ fromJSON(needs.plan.outputs.targets) }}' }
          steps: [{ run: 'echo \${{ matrix.arch }} >> built' }]
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.deepEqual(readFileSync(join(dir, 'built'), 'utf8').trim().split('\n').sort(), ['amd64', 'arm64']);
});

test('max-parallel 1 runs the combinations of a matrix one after another', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        test:
          max-parallel: 1
          matrix: { shard: [1, 2, 3] }
          steps: [{ run: 'echo start >> trace; sleep 0.2; echo end >> trace' }]
    `,
  });
  assertExit(await runCli(['run', 'ci.yml', '--parallel', '8'], { cwd: dir }), 0);
  assert.equal(readFileSync(join(dir, 'trace'), 'utf8'), 'start\nend\n'.repeat(3));
});

test('GitHub expression functions and step outcomes work in a real run', async () => {
  const dir = workdir({
    'ci.yml': `
      env: { LIST: '["a","b"]' }
      jobs:
        fns:
          steps:
            - { id: flaky, run: exit 3, continue-on-error: true }
            - run: |
                echo "\${{ format('{0}-{1}', 'x', 'y') }}" >> out
                echo "\${{ join(fromJSON(env.LIST), '+') }}" >> out
                echo "\${{ contains(fromJSON(env.LIST), 'b') }} \${{ startsWith('deploylite', 'deploy') }}" >> out
                echo "\${{ steps.flaky.outcome }} \${{ steps.flaky.conclusion }}" >> out
            - uses: deploylite/checkout
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'x-y\na+b\ntrue true\nfailure success\n');
});

test('$DEPLOYLITE_PATH puts a directory in front of PATH for the following steps', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        tools:
          steps:
            - run: |
                mkdir -p bin && printf '#!/bin/sh\\necho from-local-tool\\n' > bin/mytool && chmod +x bin/mytool
                echo "$PWD/bin" >> "$DEPLOYLITE_PATH"
            - run: mytool > out
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'from-local-tool\n');
});

test('defaults apply a retry policy and a timeout to every job that sets none', async () => {
  const dir = workdir({
    'ci.yml': `
      defaults:
        timeout: 500ms
        retry: { max: 1, delay: 50ms }
      jobs:
        attempts: { steps: [{ run: 'echo "\${{ run.attempt }}" >> attempts; exit 1' }] }
        slow: { retry: 0, steps: [{ run: sleep 20 }] }
    `,
  });
  const result = await runCli(['run', 'ci.yml', '--report', 'r.json', '--kill-grace', '100ms'], { cwd: dir });
  assertExit(result, 1);
  assert.equal(readFileSync(join(dir, 'attempts'), 'utf8'), '1\n2\n');
  const slow = readReport(join(dir, 'r.json')).jobs.find((job) => job.id === 'slow');
  assert.equal(slow?.status, 'failed');
  assert.match(result.stdout, /timed out after 500ms/);
});
