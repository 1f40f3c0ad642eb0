// `uses:` in GitHub Actions workflows, run by the built CLI: local composite and JavaScript
// actions, the local action store, the built-in actions/setup-node, and the runner's
// workflow commands (`::set-output`, `::add-mask`, `::set-env`…) in step output.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertExit, assertNoStackTrace, readOr, runCli, workdir } from './support/cli.js';

const WORKFLOW = '.github/workflows/ci.yml';
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

test('composite and JavaScript actions run with their inputs, outputs, own steps context, env, pre/post steps and state', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - id: say
              run: echo "text=outer" >> "$GITHUB_OUTPUT"
            - id: greet
              uses: ./.github/actions/greet
              with:
                who: Mona
            - id: js
              uses: ./.github/actions/js
              with:
                who to greet: \${{ steps.greet.outputs.said }}
            - run: |
                echo "\${{ steps.say.outputs.text }}|\${{ steps.greet.outputs.said }}|\${{ steps.greet.outputs.nested }}|$GREETED|\${{ steps.js.outputs.time }}|\${{ steps.js.outputs.extra }}" > result.txt
    `,
    '.github/actions/greet/action.yml': `
      name: greet
      description: composite
      inputs:
        who: { description: whom, required: true }
        greeting: { description: how, default: hello }
      outputs:
        said: { description: what, value: '\${{ steps.say.outputs.text }}' }
        nested: { description: from the inner action, value: '\${{ steps.inner.outputs.deep }}' }
      runs:
        using: composite
        steps:
          - id: say
            run: echo "::set-output name=text::\${{ inputs.greeting }} \${{ inputs.who }}"
            shell: bash
          - run: echo "GREETED=yes" >> "$GITHUB_ENV" && test -f "$GITHUB_ACTION_PATH/action.yml" && test "\${{ github.action_path }}" = "$GITHUB_ACTION_PATH"
            shell: bash
          - id: inner
            uses: ./.github/actions/inner
    `,
    '.github/actions/inner/action.yaml': `
      name: inner
      description: nested composite
      outputs: { deep: { description: d, value: '\${{ steps.x.outputs.v }}' } }
      runs:
        using: composite
        steps: [{ id: x, run: 'echo "v=deep" >> "$GITHUB_OUTPUT"', shell: sh }]
    `,
    '.github/actions/js/action.yml': `
      name: js
      description: JavaScript
      inputs: { 'who to greet': { description: whom, required: true } }
      outputs: { time: { description: when } }
      runs: { using: node20, pre: pre.js, main: main.js, post: post.js }
    `,
    '.github/actions/js/pre.js': `
      require('node:fs').writeFileSync('pre.txt', 'pre ran before any step: ' + require('node:fs').existsSync('result.txt'));
      console.log('::save-state name=token::from-pre');
    `,
    '.github/actions/js/main.js': `
      const fs = require('node:fs');
      fs.appendFileSync(process.env.GITHUB_OUTPUT, 'time=noon\\nextra=undeclared\\n');
      console.log('::add-mask::' + process.env.INPUT_WHO_TO_GREET);
      console.log('greeting ' + process.env.INPUT_WHO_TO_GREET);
      console.log('::save-state name=seen::' + process.env.STATE_token);
    `,
    '.github/actions/js/post.js': `
      const state = process.env.STATE_token + ',' + process.env.STATE_seen;
      require('node:fs').writeFileSync('post.txt', state + ' ' + require('node:fs').readFileSync('result.txt', 'utf8'));
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.equal(readFileSync(join(dir, 'result.txt'), 'utf8').trim(), 'outer|hello Mona|deep|yes|noon|undeclared');
  assert.equal(readOr(join(dir, 'pre.txt')), 'pre ran before any step: false');
  // Post runs after the last step, with what pre and main saved with ::save-state as STATE_<name>.
  assert.match(readOr(join(dir, 'post.txt')), /^from-pre,from-pre outer\|/);
  // ::add-mask:: hides the value in every later line of the job, not only the action's.
  assert.match(result.stdout, /greeting \*\*\*/);
  assert.doesNotMatch(result.stdout, /greeting hello Mona|add-mask/);
});

test('::set-env and ::add-path fail the step unless ACTIONS_ALLOW_UNSECURE_COMMANDS=true; ::set-output sets outputs', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        allowed:
          runs-on: ubuntu-latest
          env: { ACTIONS_ALLOW_UNSECURE_COMMANDS: 'true' }
          steps:
            - id: set
              run: |
                echo "::set-env name=FROM_COMMAND::value"
                echo "::add-path::/opt/from-command"
                echo "::set-output name=out::42"
            - run: echo "$FROM_COMMAND \${{ steps.set.outputs.out }} \${PATH%%:*}" > allowed.txt
        refused:
          runs-on: ubuntu-latest
          steps:
            - run: echo "::set-env name=FROM_COMMAND::value"
            - run: touch never.txt
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 1);
  assert.equal(readOr(join(dir, 'allowed.txt')).trim(), 'value 42 /opt/from-command');
  assert.match(result.stdout, /the `set-env` command is disabled: write to \$GITHUB_ENV instead, or set ACTIONS_ALLOW_UNSECURE_COMMANDS=true/);
  assert.equal(readOr(join(dir, 'never.txt'), 'absent'), 'absent');
});

test('deploylite actions add/list keep action checkouts; uses: owner/repo@ref runs from the store, a missing one says how to add it', async () => {
  const store = join(workdir(), 'store');
  const env = { DEPLOYLITE_ACTIONS_DIR: store };
  const source = workdir({
    'action.yml': `
      name: hello
      description: root action
      inputs: { name: { description: n, default: world } }
      runs: { using: composite, steps: [{ run: 'echo "hello \${{ inputs.name }}" >> hello.txt', shell: bash }] }
    `,
  });
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        a:
          runs-on: ubuntu-latest
          steps:
            - uses: acme/hello@v1
            - uses: Acme/Hello@v1
              with: { name: store }
    `,
  });
  const missing = await runCli(['run', WORKFLOW], { cwd: dir, env });
  assertExit(missing, 2);
  assert.match(missing.stderr, /^\.github\/workflows\/ci\.yml:6:15: uses: acme\/hello@v1: acme\/hello@v1 is not in the local action store \(.*\); install it from a checkout of the action with: deploylite actions add acme\/hello@v1 --from DIR$/m);

  const added = await runCli(['actions', 'add', 'acme/hello@v1', '--from', source], { cwd: dir, env });
  assertExit(added, 0);
  const listed = await runCli(['actions', 'list'], { cwd: dir, env });
  assert.match(listed.stdout, new RegExp(`^acme/hello@v1  ${store}/acme/hello@v1$`, 'm'));
  const result = await runCli(['run', WORKFLOW], { cwd: dir, env });
  assertExit(result, 0);
  assert.equal(readOr(join(dir, 'hello.txt')), 'hello world\nhello store\n');

  const bad = await runCli(['actions', 'add', 'not-a-name', '--from', source], { cwd: dir, env });
  assertExit(bad, 2);
  assertNoStackTrace(bad);
  assert.match(bad.stderr, /expected OWNER\/REPO@REF/);
});

test('actions/setup-node passes on the runner\'s Node.js when it satisfies node-version, else fails naming both versions', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        ok:
          runs-on: ubuntu-latest
          steps:
            - id: node
              uses: actions/setup-node@v4
              with: { node-version: '>=${NODE_MAJOR - 2}', cache: npm }
            - run: echo "\${{ steps.node.outputs.node-version }}" > version.txt
        too-new:
          runs-on: ubuntu-latest
          steps:
            - uses: actions/setup-node@v4
              with: { node-version: '${NODE_MAJOR + 1}.x' }
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 1);
  assert.equal(readOr(join(dir, 'version.txt')).trim(), process.version);
  assert.match(result.stdout, new RegExp(`node-version wants Node\\.js "${NODE_MAJOR + 1}\\.x", but this runner has Node\\.js ${process.version.replace(/\./g, '\\.')}`));
});

test('validate names a missing required input and an unknown one at their lines, and an error inside action.yml at its own', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        a:
          runs-on: ubuntu-latest
          steps:
            - uses: ./act
            - uses: ./act
              with: { needed: x, typo: y }
            - uses: ./broken
    `,
    'act/action.yml': `
      name: a
      description: a
      inputs: { needed: { description: n, required: true } }
      runs: { using: composite, steps: [] }
    `,
    'broken/action.yml': 'name: b\ndescription: b\nruns:\n  using: docker\n  image: Dockerfile\n',
  });
  const result = await runCli(['validate', WORKFLOW], { cwd: dir });
  assertExit(result, 2);
  assertNoStackTrace(result);
  assert.match(result.stderr, /^\.github\/workflows\/ci\.yml:6:15: uses: \.\/act: input "needed" is required by act\/action\.yml and has no default$/m);
  assert.match(result.stderr, /^\.github\/workflows\/ci\.yml:8:28: uses: \.\/act: unexpected input "typo" \(act\/action\.yml: its inputs: needed\)$/m);
  assert.match(result.stderr, /^broken\/action\.yml:4:10: runs\.using: docker is not supported by DeployLite yet/m);
});

test('timeout-minutes on a uses: step bounds the action\'s steps together', async () => {
  const dir = workdir({
    [WORKFLOW]: `
      on: push
      jobs:
        a:
          runs-on: ubuntu-latest
          steps:
            - uses: ./slow
              timeout-minutes: 0.02
              continue-on-error: true
            - run: touch after.txt
    `,
    'slow/action.yml': `
      name: slow
      description: sleeps
      runs: { using: composite, steps: [{ run: sleep 0.7, shell: bash }, { run: sleep 0.7 && touch never.txt, shell: bash }] }
    `,
  });
  const result = await runCli(['run', WORKFLOW], { cwd: dir });
  assertExit(result, 0);
  assert.match(result.stdout, /Run \.\/slow: timed out after 1\.2s/);
  assert.equal(readOr(join(dir, 'never.txt'), 'absent'), 'absent');
  assert.equal(readOr(join(dir, 'after.txt'), 'absent'), '');
});
