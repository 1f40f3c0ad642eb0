import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { GitMirrors } from '../../../../src/server/git/git-mirror.js';
import { MirrorActionFiles } from '../../../../src/server/runs/mirror-action-files.js';
import { readProjectPipelines } from '../../../../src/server/runs/project-pipelines.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'mirror-actions-'));

/** A real repository with one commit of `files`, mirrored by a real GitMirrors; returns the mirror and the commit. */
async function mirrored(files: Record<string, string>) {
  const path = temp();
  const git = (...args: string[]) => execFileSync('git', ['-C', path, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(path, name)), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  git('add', '-A');
  git('commit', '--quiet', '-m', 'actions');
  const mirrors = new GitMirrors(temp());
  const sha = await mirrors.resolve(1, path, 'main');
  return { mirrors, sha };
}

const GREET = `name: greet
inputs:
  who: { required: true }
outputs:
  text: { value: "\${{ steps.say.outputs.text }}" }
runs:
  using: composite
  steps:
    - uses: ./.github/actions/shout
      with: { word: "\${{ inputs.who }}" }
    - id: say
      run: echo "text=hello \${{ inputs.who }}" >> "$GITHUB_OUTPUT"
      shell: bash
`;
const SHOUT = 'inputs:\n  word: { default: x }\nruns:\n  using: node20\n  main: dist/main.js\n';
const workflow = (steps: string) => `on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n${steps}`;

test('answers only what was read from the mirror, and remembers what to read: directories, files, absence', async () => {
  const { mirrors, sha } = await mirrored({ '.github/actions/shout/action.yml': SHOUT, 'README.md': 'hi' });
  const files = new MirrorActionFiles(mirrors, 1, sha);
  assert.equal(files.isDirectory('/.github/actions/shout'), false, 'not read yet');
  assert.equal(files.readFile('/.github/actions/shout/action.yml'), undefined);
  assert.equal(files.isDirectory('/README.md'), false);
  assert.equal(files.isDirectory('/nowhere'), false);
  assert.ok(files.hasMissing());
  await files.fetchMissing();
  assert.equal(files.hasMissing(), false);
  assert.equal(files.isDirectory('/.github/actions/shout/'), true);
  assert.equal(files.readFile('/.github/actions/shout/action.yml'), SHOUT);
  assert.equal(files.isDirectory('/README.md'), false, 'a file is no directory');
  assert.equal(files.isDirectory('/nowhere'), false);
  assert.equal(files.hasMissing(), false, 'absence is remembered too');
});

test("a server compiles a workflow's ./ actions from the commit, nested ones too, with paths in the runner's checkout", async () => {
  const { mirrors, sha } = await mirrored({
    '.github/workflows/ci.yml': workflow('      - uses: ./.github/actions/greet\n        with: { who: world }\n'),
    '.github/actions/greet/action.yaml': GREET,
    '.github/actions/shout/action.yml': SHOUT,
  });
  const found = await readProjectPipelines(mirrors, 1, sha, '.github/workflows/');
  assert.equal(found.kind, 'found');
  const compiled = found.kind === 'found' ? found.files[0]?.compiled : undefined;
  assert.deepEqual(compiled?.diagnostics.filter((d) => d.severity === 'error'), []);
  const greet = compiled?.pipeline?.jobs[0]?.steps[0]?.action;
  assert.equal(greet?.env['GITHUB_ACTION_PATH'], '${{ github.workspace }}/.github/actions/greet');
  const shout = greet?.steps[0]?.action;
  assert.equal(shout?.contexts['github']?.['action_path'], '${{ github.workspace }}/.github/actions/shout');
  assert.equal(shout?.steps[0]?.run, "exec node '${{ github.workspace }}/.github/actions/shout/dist/main.js'");
});

test('on a server, a missing ./ action and an owner/repo@ref action are errors saying why', async () => {
  const { mirrors, sha } = await mirrored({
    'ci.yml': workflow('      - uses: ./.github/actions/gone\n      - uses: acme/lint@v1\n'),
  });
  const found = await readProjectPipelines(mirrors, 1, sha, 'ci.yml');
  const messages = found.kind === 'found' ? (found.files[0]?.compiled.diagnostics ?? []).map((d) => `${d.line}: ${d.message}`) : [];
  assert.equal(messages.length, 2, messages.join('\n'));
  assert.match(messages[0] ?? '', /^6: uses: \.\/\.github\/actions\/gone: no such directory in the checkout \(\.github\/actions\/gone\)/);
  assert.match(messages[1] ?? '', /^7: uses: acme\/lint@v1: .*only `deploylite run` has; on a server, use actions of this repository \(uses: \.\/PATH\)/);
});
