import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

// A GitHub workflow job on a separate `deploylite runner`: the runner gives it what GitHub's runner gives
// (RUNNER_TEMP, the event file, the step summary file, the `runner` context) and the summary reaches the API.

const SECRET = 'summary-secret-8c1f';
const WORKFLOW = `name: report
on: [push, workflow_dispatch]
jobs:
  main:
    runs-on: self-hosted
    steps:
      - run: |
          test -d "$RUNNER_TEMP" && echo scratch > "$RUNNER_TEMP/notes.txt" && cat "$RUNNER_TEMP/notes.txt"
          node -e 'const e = require(process.env.GITHUB_EVENT_PATH); console.log("event of " + e.sender.login + " for " + e.workflow)'
          echo "on \${{ runner.name }} (\${{ runner.os }}), event file \${{ github.event_path == env.GITHUB_EVENT_PATH }}, workspace \${{ github.workspace == env.GITHUB_WORKSPACE }}"
      - run: |
          echo "## Test report" >> "$GITHUB_STEP_SUMMARY"
          echo "" >> "$GITHUB_STEP_SUMMARY"
      - env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
        run: |
          echo "| suite | passed |" >> $GITHUB_STEP_SUMMARY
          echo "|---|---|" >> $GITHUB_STEP_SUMMARY
          echo "| api | 12 |" >> $GITHUB_STEP_SUMMARY
          echo "token $TOKEN" >> $GITHUB_STEP_SUMMARY
          echo "::add-mask::masked-9d2"
          echo "masked masked-9d2" >> $GITHUB_STEP_SUMMARY
  quiet:
    runs-on: self-hosted
    steps:
      - run: echo nothing to report
`;

let server: ServerProcess;
let runner: RunnerProcess;

before(async () => {
  server = await startServer({ env: { DEPLOYLITE_RUNNER: 'false' } });
  runner = await startRunner(server, { name: 'summary-runner', labels: 'self-hosted' });
  const repo = gitRepo({ '.github/workflows/report.yml': WORKFLOW });
  await server.api('POST', '/api/v1/projects', { name: 'report', repository: repo.path, pipelinePath: '.github/workflows/' }, 201);
  await server.api('PUT', '/api/v1/projects/report/secrets/DEPLOY_TOKEN', { value: SECRET }, 200);
});
after(async () => {
  await runner?.stop();
  await server?.stop();
});

test("a workflow job on a runner reads RUNNER_TEMP and GITHUB_EVENT_PATH, writes $GITHUB_STEP_SUMMARY, and the API returns the summary, masked (secrets and ::add-mask:: values)", async () => {
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/report/runs', {}, 201);
  const run = await waitForRun(server, id, isFinal, 60_000);
  const lines = (await jobLog(server, id, 'main')).map((line) => line.text);
  assert.equal(run.status, 'success', lines.join('\n'));
  assert.ok(lines.includes('scratch'), lines.join('\n'));
  // A manual run's event is a workflow_dispatch payload naming the workflow file.
  assert.ok(lines.some((line) => /^event of \S+ for \S*report\.yml$/.test(line)), lines.join('\n'));
  assert.ok(lines.includes('on summary-runner (Linux), event file true, workspace true'), lines.join('\n'));

  const { summary } = await server.api<{ jobKey: string; summary: string | null }>('GET', `/api/v1/runs/${id}/jobs/main/summary`);
  assert.equal(summary, '## Test report\n\n| suite | passed |\n|---|---|\n| api | 12 |\ntoken ***\nmasked ***\n');
  assert.deepEqual(await server.api('GET', `/api/v1/runs/${id}/jobs/quiet/summary`), { jobKey: 'quiet', summary: null });
  const missing = await fetch(`${server.url}/api/v1/runs/${id}/jobs/nope/summary`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(missing.status, 404);
  // The scratch folders went with the jobs.
  assert.deepEqual(readdirSync(runner.workDir).filter((name) => /^[rt]\d+-/.test(name)), []);
});
