import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

test('outputs written to $DEPLOYLITE_OUTPUT, $GITHUB_OUTPUT and as a heredoc reach a dependent job', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        produce:
          outputs:
            plain: \${{ steps.s.outputs.plain }}
            github: \${{ steps.s.outputs.github }}
            notes: \${{ steps.s.outputs.notes }}
          steps:
            - id: s
              run: |
                echo "plain=from-deploylite" >> "$DEPLOYLITE_OUTPUT"
                echo "github=from-github" >> "$GITHUB_OUTPUT"
                { echo "notes<<END"; echo "line one"; echo "line two"; echo "END"; } >> "$DEPLOYLITE_OUTPUT"
        consume:
          needs: produce
          steps:
            - env:
                PLAIN: \${{ needs.produce.outputs.plain }}
                GITHUB: \${{ needs.produce.outputs.github }}
                NOTES: \${{ needs.produce.outputs.notes }}
              run: printf '%s|%s|%s' "$PLAIN" "$GITHUB" "$NOTES" > got.txt
    `,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 0);
  assert.equal(read(dir, 'got.txt'), 'from-deploylite|from-github|line one\nline two');
});

test('a variable written to $DEPLOYLITE_ENV is set in the following steps', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          steps:
            - run: echo "GREETING=hello there" >> "$DEPLOYLITE_ENV"
            - run: echo "$GREETING" > greeting.txt
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.equal(read(dir, 'greeting.txt'), 'hello there\n');
});

test('a step runs in its working-directory, relative to the workspace', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          steps:
            - run: mkdir -p app/src
            - working-directory: app/src
              run: pwd > where.txt
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.match(read(dir, 'app/src/where.txt').trim(), /\/app\/src$/);
});

test('a step with `shell: python` runs its script with Python', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          steps:
            - shell: python
              run: |
                import sys
                with open("python.txt", "w") as f:
                    f.write(f"python {sys.version_info[0]}")
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.equal(read(dir, 'python.txt'), 'python 3');
});

test('the default shell is bash', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          steps: [{ run: 'echo "$BASH_VERSION" > bash.txt' }]
    `,
  });
  assertExit(await runCli(['run', 'ci.yml'], { cwd: dir }), 0);
  assert.match(read(dir, 'bash.txt'), /^\d+\.\d+/);
});

test('the default shell stops at the first failing command, also inside a pipe (`false | true`)', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          steps:
            - run: |
                false | true
                touch after-pipe
    `,
  });
  const result = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(result, 1);
  assert.equal(existsSync(join(dir, 'after-pipe')), false, 'the script went on after `false | true`');
});
