// `deploylite run --executor sandbox`: the bundled CLI runs a pipeline's steps in bubblewrap (a real bwrap).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, runCli, workdir } from './support/cli.js';

test('a pipeline runs in the sandbox: outputs, env and PATH files work, the run history and the host stay out of reach', async () => {
  const dir = workdir({
    'ci.yml': `
      jobs:
        build:
          steps:
            - id: v
              run: |
                mkdir -p bin && printf '#!/bin/sh\\necho tool ran\\n' > bin/tool && chmod +x bin/tool
                echo "$PWD/bin" >> "$DEPLOYLITE_PATH"
                echo "STAGE=two" >> "$DEPLOYLITE_ENV"
                echo "version=1.2.3" >> "$DEPLOYLITE_OUTPUT"
            - run: |
                tool; echo "stage $STAGE"; echo "secret ${'$'}{RUNNER_SECRET:-absent}"
                test -e .deploylite/runs.db && echo "history visible" || echo "history hidden"
                touch /etc/escaped 2>/dev/null || echo "etc read-only"
                echo made > made.txt
          outputs: { version: '\${{ steps.v.outputs.version }}' }
        report:
          needs: build
          network: none
          steps: [{ run: 'echo "got \${{ needs.build.outputs.version }}"' }]
    `,
  });
  const result = await runCli(['run', '--executor', 'sandbox', 'ci.yml'], { cwd: dir, env: { RUNNER_SECRET: 'from-the-cli' }, timeoutMs: 60_000 });
  assertExit(result, 0);
  for (const line of ['[build] tool ran', '[build] stage two', '[build] secret absent', '[build] history hidden', '[build] etc read-only', '[report] got 1.2.3']) {
    assert.ok(result.stdout.includes(line), `missing "${line}" in\n${result.stdout}`);
  }
  assert.equal(readFileSync(join(dir, 'made.txt'), 'utf8'), 'made\n');
  assert.equal(existsSync('/etc/escaped'), false);
  // The run history the sandbox hid from the job is still there for the CLI.
  assert.ok(existsSync(join(dir, '.deploylite', 'runs.db')));
});

test('a job with network: none runs on the sandbox but is refused by the local executor', async () => {
  const dir = workdir({ 'ci.yml': 'jobs:\n  offline:\n    network: none\n    steps: [{ run: echo offline }]\n' });
  assertExit(await runCli(['run', '--executor', 'sandbox', 'ci.yml'], { cwd: dir, timeoutMs: 60_000 }), 0);
  const local = await runCli(['run', 'ci.yml'], { cwd: dir });
  assertExit(local, 2);
  assert.match(local.stderr, /^ci\.yml:2:3: job "offline" sets network: none but the local executor cannot cut a job's network/m);
});

test('a job with image: is refused by the sandbox executor, naming the job and its line', async () => {
  const dir = workdir({ 'ci.yml': 'jobs:\n  build:\n    image: alpine\n    steps: [{ run: "true" }]\n' });
  const result = await runCli(['run', '--executor', 'sandbox', 'ci.yml'], { cwd: dir });
  assertExit(result, 2);
  assert.match(result.stderr, /^ci\.yml:2:3: job "build" sets image: "alpine" but the runner uses the sandbox executor; image needs --executor docker or kubernetes$/m);
});

test('a GitHub workflow job in the sandbox reads GITHUB_EVENT_PATH and writes GITHUB_STEP_SUMMARY, though RUNNER_TEMP is under /tmp', async () => {
  const dir = workdir({
    '.github/workflows/ci.yml': `
      on: push
      jobs:
        report:
          runs-on: ubuntu-latest
          steps:
            - run: |
                grep -c '"before": "0000000000' "$GITHUB_EVENT_PATH" > event-refs.txt
                echo "### Built in the sandbox" >> "$GITHUB_STEP_SUMMARY"
    `,
  });
  const result = await runCli(['run', '--executor', 'sandbox', '.github/workflows/ci.yml'], { cwd: dir, timeoutMs: 60_000 });
  assertExit(result, 0);
  assert.equal(readFileSync(join(dir, 'event-refs.txt'), 'utf8'), '1\n', 'the event file is readable in the sandbox');
  assert.match(result.stdout, /step summary[^\n]*\n### Built in the sandbox\n/);
});
