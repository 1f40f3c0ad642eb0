import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunnerProcess, ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, jobLog, startRunner, startServer, waitForRun } from '../support/control-plane.js';

// Local actions (`uses: ./PATH`) on a server: a real server with its built-in runner off, a
// separate `deploylite runner`, and a real Git repository holding a composite and a
// JavaScript action. The server reads them from its mirror at the run's commit; the runner
// runs them from its own checkout.

const WORKFLOW = `name: local-actions
on: workflow_dispatch
jobs:
  main:
    runs-on: self-hosted
    steps:
      - id: greet
        uses: ./.github/actions/greet
        with:
          who: server
      - id: count
        uses: ./.github/actions/count
        with:
          text: \${{ steps.greet.outputs.greeting }}
      - run: echo "greeting=\${{ steps.greet.outputs.greeting }} length=\${{ steps.count.outputs.length }}"
`;

const GREET = `name: greet
inputs:
  who:
    required: true
outputs:
  greeting:
    value: \${{ steps.say.outputs.greeting }}
runs:
  using: composite
  steps:
    - id: say
      shell: bash
      run: echo "greeting=hello \${{ inputs.who }}" >> "$GITHUB_OUTPUT"
    - shell: bash
      run: echo "greet runs from $GITHUB_ACTION_PATH"
`;

const COUNT = `name: count
inputs:
  text:
    required: true
runs:
  using: node20
  main: main.js
`;

// No @actions/core: the file protocol the runner reads, as a dependency-free action would write it.
const COUNT_MAIN = `const fs = require('node:fs');
const text = process.env.INPUT_TEXT;
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'length=' + text.length + '\\n');
console.log('count ran ' + __filename + ' with ' + JSON.stringify(text));
`;

let server: ServerProcess;
let runner: RunnerProcess;

before(async () => {
  server = await startServer({ env: { DEPLOYLITE_RUNNER: 'false' } });
  runner = await startRunner(server, { name: 'actions', labels: 'self-hosted' });
  const repo = gitRepo({
    '.github/workflows/local.yml': WORKFLOW,
    '.github/actions/greet/action.yml': GREET,
    '.github/actions/count/action.yaml': COUNT,
    '.github/actions/count/main.js': COUNT_MAIN,
  });
  await server.api('POST', '/api/v1/projects', { name: 'local-actions', repository: repo.path, pipelinePath: '.github/workflows/' }, 201);
});
after(async () => {
  await runner.stop();
  await server.stop();
});

test('a workflow on a server runs a composite and a JavaScript action of its repository and reads their outputs', async () => {
  const run = await server.api<{ id: number }>('POST', '/api/v1/projects/local-actions/runs', { workflow: 'local.yml' }, 201);
  const finished = await waitForRun(server, run.id, isFinal);
  const lines = (await jobLog(server, run.id, 'main')).map((line) => line.text);
  assert.equal(finished.status, 'success', lines.join('\n'));
  assert.ok(lines.includes('greeting=hello server length=12'), lines.join('\n'));
  // The action's files are the runner's checkout's, not paths of the server's machine.
  const greet = lines.find((line) => line.startsWith('greet runs from '));
  assert.match(greet ?? '', /^greet runs from \/.+\/\.github\/actions\/greet$/, lines.join('\n'));
  assert.doesNotMatch(greet ?? '', /\$\{\{/);
  const count = lines.find((line) => line.startsWith('count ran '));
  assert.match(count ?? '', /^count ran \/.+\/\.github\/actions\/count\/main\.js with "hello server"$/, lines.join('\n'));
});
