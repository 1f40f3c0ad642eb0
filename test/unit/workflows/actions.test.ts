import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import type { Pipeline, StepSpec } from '../../../src/pipeline/index.js';
import { addStoredAction, compileWorkflow, listStoredActions } from '../../../src/workflows/index.js';
import { dedent } from '../../support/dedent.js';

const FILE = '.github/workflows/ci.yml';
const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A checkout holding `files` (dedented). */
function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploylite-actions-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), dedent(text));
  }
  return dir;
}

const workflow = (steps: string) => `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n${dedent(steps).replace(/^/gm, '      ')}\n`;

async function compileIn(dir: string, steps: string, storeDir?: string) {
  return compileWorkflow(workflow(steps), FILE, { actions: { workspace: dir, ...(storeDir ? { storeDir } : {}) } });
}

async function stepsOf(dir: string, steps: string, storeDir?: string): Promise<readonly StepSpec[]> {
  const result = await compileIn(dir, steps, storeDir);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  return (result.pipeline as Pipeline).jobs[0]?.steps ?? [];
}

/** Errors as `FILE:LINE:COL message`. */
async function errorsOf(dir: string, steps: string, storeDir?: string): Promise<string[]> {
  const result = await compileIn(dir, steps, storeDir);
  assert.equal(result.pipeline, undefined);
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`);
}

const COMPOSITE = `
  name: greet
  description: says hello
  inputs:
    who: { description: whom, required: true }
    Greeting: { description: how, default: 'hello \${{ github.actor }}' }
  outputs:
    said: { description: what, value: '\${{ steps.say.outputs.text }}' }
  runs:
    using: composite
    steps:
      - id: say
        run: echo "text=\${{ inputs.greeting }} \${{ inputs.who }}" >> "$GITHUB_OUTPUT"
        shell: bash
      - uses: ./inner
`;
const INNER = `
  name: inner
  description: inner
  runs: { using: composite, steps: [{ run: echo inner, shell: sh }] }
`;

test('a local composite action becomes a nested step list with its inputs, defaults and outputs', async () => {
  const dir = checkout({ 'greet/action.yml': COMPOSITE, 'inner/action.yaml': INNER });
  const [step] = await stepsOf(dir, `- { id: hi, uses: ./greet, with: { WHO: '\${{ github.sha }}' } }`);
  assert.ok(step?.action);
  assert.equal(step.uses, './greet');
  assert.deepEqual(step.with, { WHO: '${{ github.sha }}' });
  assert.deepEqual(step.action.inputs, { who: {}, greeting: { default: 'hello ${{ github.actor }}' } });
  assert.deepEqual(step.action.outputs, { said: '${{ steps.say.outputs.text }}' });
  assert.equal(step.action.env.GITHUB_ACTION_PATH, join(dir, 'greet'));
  assert.deepEqual(step.action.contexts, { github: { action_path: join(dir, 'greet') } });
  assert.deepEqual(step.action.steps.map((s) => [s.id, s.shell, s.workflowCommands]), [['say', 'bash', true], [undefined, undefined, true]]);
  // The nested composite is resolved too, from the checkout's root as on GitHub.
  assert.deepEqual(step.action.steps[1]?.action?.steps.map((s) => s.run), ['echo inner']);
});

test('a JavaScript action runs main (and pre/post with their conditions) with the runner\'s node and INPUT_ variables', async () => {
  const dir = checkout({
    'js/action.yml': `
      name: js
      description: js
      inputs: { 'my input': { description: x, default: d } }
      runs: { using: node20, main: dist/main.js, post: dist/post.js, post-if: success() }
    `,
  });
  const [step] = await stepsOf(dir, '- uses: ./js');
  const action = step?.action;
  assert.ok(action);
  assert.equal(action.steps[0]?.run, `exec node '${join(dir, 'js', 'dist', 'main.js')}'`);
  assert.deepEqual(action.steps[0]?.env, { INPUT_MY_INPUT: "${{ inputs['my input'] }}" });
  assert.equal(action.outputsOf, action.steps[0]?.id);
  assert.deepEqual(action.post.map((s) => s.if), ['success()']);
  assert.deepEqual(action.pre, []);
});

test('an unknown input, a missing required one and a missing action are errors at their line', async () => {
  const dir = checkout({ 'greet/action.yml': COMPOSITE, 'inner/action.yml': INNER, 'empty/README': 'no action here' });
  assert.deepEqual(
    await errorsOf(dir, `
      - uses: ./greet
        with: { who: me, shout: yes }
      - uses: ./greet
      - uses: ./empty
      - uses: ./missing
    `),
    [
      `${FILE}:7:26 uses: ./greet: unexpected input "shout" (greet/action.yml: its inputs: who, greeting)`,
      `${FILE}:8:15 uses: ./greet: input "who" is required by greet/action.yml and has no default`,
      `${FILE}:9:15 uses: ./empty: no action.yml or action.yaml in empty`,
      `${FILE}:10:15 uses: ./missing: no such directory in the checkout (missing)`,
    ],
  );
});

test('errors inside action.yml point at that file; Docker actions and composite run steps without shell are named', async () => {
  const dir = checkout({
    'docker/action.yml': 'name: d\ndescription: d\nruns:\n  using: docker\n  image: Dockerfile\n',
    'noshell/action.yml': 'name: n\ndescription: n\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n',
  });
  assert.deepEqual(await errorsOf(dir, '- uses: ./docker\n- uses: ./noshell\n- uses: docker://alpine:3'), [
    `${FILE}:6:15 uses: ./docker: the action's docker/action.yml has errors`,
    `${FILE}:7:15 uses: ./noshell: the action's noshell/action.yml has errors`,
    `${FILE}:8:15 uses: docker://alpine:3 is not supported by DeployLite yet: Docker container actions need the container executor`,
    'docker/action.yml:4:10 runs.using: docker is not supported by DeployLite yet: Docker container actions need the container executor',
    'noshell/action.yml:6:7 Required property is missing: shell',
  ]);
});

test('an action that uses itself stops at the nesting limit instead of looping', async () => {
  const dir = checkout({ 'loop/action.yml': 'name: l\ndescription: l\nruns:\n  using: composite\n  steps:\n    - uses: ./loop\n' });
  const found = await errorsOf(dir, '- uses: ./loop');
  assert.ok(found.some((e) => /loop\/action\.yml:6:13 uses: \.\/loop: composite actions nest more than 9 deep/.test(e)), found.join('\n'));
});

test('owner/repo@ref comes from the local action store; a missing one names the command that installs it', async () => {
  const dir = checkout({});
  const store = join(checkout({}), 'store');
  const source = checkout({ 'action.yml': INNER, 'sub/action.yml': INNER, '.git/HEAD': 'ref: x' });
  const missing = await errorsOf(dir, '- uses: Acme/Tools/sub@v1.2', store);
  assert.deepEqual(missing, [
    `${FILE}:6:15 uses: Acme/Tools/sub@v1.2: acme/tools@v1.2 is not in the local action store (${store}); install it from a checkout of the action with: deploylite actions add acme/tools@v1.2 --from DIR`,
  ]);
  addStoredAction(store, 'Acme/Tools@v1.2', source);
  addStoredAction(store, 'acme/tools@releases/v2', source);
  assert.deepEqual(listStoredActions(store).map((a) => a.name), ['acme/tools@releases/v2', 'acme/tools@v1.2']);
  const steps = await stepsOf(dir, '- uses: Acme/Tools/sub@v1.2\n- uses: acme/tools@releases/v2', store);
  assert.deepEqual(steps.map((s) => s.action?.steps[0]?.run), ['echo inner', 'echo inner']);
  assert.deepEqual(await errorsOf(dir, '- uses: acme/tools/nope@v1.2', store), [`${FILE}:6:15 uses: acme/tools/nope@v1.2: the stored acme/tools@v1.2 has no directory "nope"`]);
  // Names that would lead out of the store are not action names at all.
  for (const uses of ['../etc@v1', 'acme/..@v1', 'acme/tools/../../x@v1']) {
    assert.deepEqual(await errorsOf(dir, `- uses: ${uses}`, store), [`${FILE}:6:15 uses: "${uses}" is neither ./PATH, docker://IMAGE nor OWNER/REPO[/PATH]@REF`]);
  }
});

test('actions/setup-node is built in: a check of the runner\'s node, naming both versions when it fails', async () => {
  const dir = checkout({ '.nvmrc': `v${process.versions.node}\n` });
  const [step] = await stepsOf(dir, `- uses: actions/setup-node@v4\n  with: { node-version: '\${{ matrix.node }}', cache: npm }`);
  assert.equal(step?.shell, 'node {0}');
  assert.deepEqual(step?.env, { INPUT_NODE_VERSION: '${{ matrix.node }}' });
  assert.deepEqual(await errorsOf(dir, '- uses: actions/setup-node@v4\n  with: { registry-url: https://npm.example }'), [
    `${FILE}:7:17 actions/setup-node input "registry-url" is not supported by DeployLite yet: the built-in setup-node only checks the runner's Node.js version`,
  ]);

  const major = Number(process.versions.node.split('.')[0]);
  const check = (env: Record<string, string>) => {
    const script = join(dir, 'check.js');
    writeFileSync(script, step?.run ?? '');
    try {
      return { ok: true, out: execFileSync(process.execPath, [script], { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', stdio: 'pipe' }) };
    } catch (thrown) {
      return { ok: false, out: String((thrown as { stderr: string }).stderr) };
    }
  };
  for (const range of [`${major}`, `${major}.x`, `^${major}.0.0`, `>=${major - 2} <${major + 1}`, `${major - 4} || ${major}`, 'lts/*', `~${process.versions.node}`, `${major - 1} - ${major}`]) {
    assert.equal(check({ INPUT_NODE_VERSION: range }).ok, major % 2 === 0 || range !== 'lts/*', range);
  }
  for (const range of [`${major + 1}`, `<${major}`, `>${major}`, `^${major + 1}.0.0`, `${major}.999`]) {
    const result = check({ INPUT_NODE_VERSION: range });
    assert.equal(result.ok, false, range);
    assert.ok(result.out.includes(`wants Node.js "${range}", but this runner has Node.js v${process.versions.node}`), result.out);
  }
  assert.equal(check({ INPUT_NODE_VERSION_FILE: '.nvmrc' }).ok, true);
});
