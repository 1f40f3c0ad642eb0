// nektos/act's host-mode test workflows (../shared/conformance/act-workflows, listed with
// their event and expected outcome in expectations.json) run for real with the built CLI:
// `bin/deploylite run CASE/FILE --event EVENT` in a scratch Git checkout of the whole data
// folder (act runs them from that folder, so `./CASE/...` paths resolve as there). The run
// must end as act expects (success or failure). A case that cannot must be in EXPLAINED with
// its reason; an explained case that starts passing, or an unexplained one that does not,
// fails the suite. docs/github-actions.md lists the counts and reasons.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SUITE_DIR = resolve(REPO_ROOT, '../shared/conformance/act-workflows');
const CLI = join(REPO_ROOT, 'bin', 'deploylite');
/** Two runs at once: the machine has two cores shared with other work. */
const PARALLEL_CASES = 2;
/** act's slowest host case takes seconds; a run still going after this is a hang. */
const CASE_TIMEOUT_MS = 90_000;

interface ActCase {
  readonly workflow: string;
  readonly event: string;
  readonly expect: 'success' | 'failure';
  readonly notes: string | null;
}

const UNSUPPORTED_ACTION = 'uses: of an action other than actions/checkout (DeployLite rejects it: "actions are not run yet")';

const SET_OUTPUT_COMMAND =
  'the deprecated `::set-output` workflow command (GitHub still honours it, with a warning); DeployLite reads step outputs only from $GITHUB_OUTPUT';

/**
 * Cases that do not end as in act, each with its reason. The reason is checked against what
 * happened: a case explained by an unsupported feature must have been rejected for it
 * (`rejectedFor`, matched in the output), one explained by a run-time gap must have failed
 * with that evidence in its log (`failedWith`).
 */
const EXPLAINED: Readonly<Record<string, { readonly reason: string; readonly rejectedFor?: RegExp; readonly failedWith?: RegExp }>> = {
  evalmatrix: { reason: SET_OUTPUT_COMMAND, failedWith: /::set-output name=result::success/ },
  evalmatrixneeds: { reason: SET_OUTPUT_COMMAND, failedWith: /::set-output name=matrix::/ },
  evalmatrixneeds2: { reason: SET_OUTPUT_COMMAND, failedWith: /::set-output name=matrix::/ },
  outputs: { reason: SET_OUTPUT_COMMAND, failedWith: /::set-output name=var_1::var1/ },
  commands: {
    reason:
      'the `::set-env`, `::add-path` and `::set-output` workflow commands (GitHub disables the first two unless ACTIONS_ALLOW_UNSECURE_COMMANDS is set, as here); DeployLite reads only the $GITHUB_ENV, $GITHUB_PATH and $GITHUB_OUTPUT files',
    failedWith: /TEST set-env \(cont\.\): exited with code 1/,
  },
  'evalmatrix-merge-map': {
    reason: '`${{ insert }}` inside a matrix value: DeployLite evaluates only a whole matrix or a whole axis from an expression, and rejects one inside',
    rejectedFor: /an expression inside matrix axis "a" is not supported/,
  },
  'evalmatrix-merge-array': {
    reason: 'expressions as items of a matrix axis (`- ${{ fromJSON(...) }}`): DeployLite evaluates only a whole matrix or a whole axis from an expression, and rejects one inside',
    rejectedFor: /an expression inside matrix axis "a" is not supported/,
  },
  'defaults-run': {
    reason:
      'act-specific: checks that $SHELL is not bash under `shell: sh`, but $SHELL is inherited from the host and is /bin/bash here (as on GitHub\'s Ubuntu runners); the shell and working-directory defaults themselves work (job with-defaults passes)',
    failedWith: /without-defaults\s+failed[\s\S]*with-defaults\s+success/,
  },
  'if-env-act': { reason: 'act-specific: expects env.ACT, which act sets and GitHub does not', failedWith: /Negative env\.ACT match: exited with code 1/ },
  'shells/defaults': { reason: 'a container: job (needs a Docker image)', rejectedFor: /\.container is not supported/ },
  'shells/pwsh': { reason: 'needs pwsh on the host, and a container: job (Docker image)', rejectedFor: /\.container is not supported/ },
  'shells/bash': { reason: 'a container: job (needs a Docker image)', rejectedFor: /\.container is not supported/ },
  'shells/python': { reason: 'a container: job (needs a Docker image)', rejectedFor: /\.container is not supported/ },
  'shells/sh': { reason: 'a container: job (needs a Docker image)', rejectedFor: /\.container is not supported/ },
  fail: { reason: 'a container: job (needs a Docker image); DeployLite rejects it before running', rejectedFor: /\.container is not supported/ },
  'local-action-js': { reason: `${UNSUPPORTED_ACTION}; local JavaScript actions, whose code is not shipped here either`, rejectedFor: /uses: .* is not supported/ },
  'uses-composite': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'uses-composite-with-error': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'uses-nested-composite': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'act-composite-env-test': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'composite-fail-with-output': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'remote-action-js': { reason: `${UNSUPPORTED_ACTION}; remote actions also need the network`, rejectedFor: /uses: .* is not supported/ },
  'issue-597': { reason: `${UNSUPPORTED_ACTION}; remote action (network), and actions/checkout with ref:`, rejectedFor: /is not supported/ },
  'issue-598': { reason: `${UNSUPPORTED_ACTION}; remote action (needs the network)`, rejectedFor: /uses: .* is not supported/ },
  'non-existent-action': { reason: `${UNSUPPORTED_ACTION}: act fails the job at run time, DeployLite rejects the workflow`, rejectedFor: /uses: .* is not supported/ },
  'if-expressions': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'uses-action-with-pre-and-post-step': { reason: `${UNSUPPORTED_ACTION}; pre/post steps, action code not shipped, remote action`, rejectedFor: /uses: .* is not supported/ },
  'ensure-post-steps': { reason: `${UNSUPPORTED_ACTION}; post steps of local actions whose code is not shipped`, rejectedFor: /uses: .* is not supported/ },
  'inputs-via-env-context': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'do-not-leak-step-env-in-composite': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'set-env-step-env-override': { reason: `${UNSUPPORTED_ACTION}: local composite action`, rejectedFor: /uses: .* is not supported/ },
  'no-panic-on-invalid-composite-action': { reason: `${UNSUPPORTED_ACTION}: local and remote composite actions`, rejectedFor: /uses: .* is not supported/ },
};

/** How a run ended: exit 0 success, 1 the run failed, 2 rejected before running (usage/validation). */
interface RunResult {
  readonly ended: 'success' | 'failure' | 'rejected' | 'crashed';
  readonly output: string;
}

type Verdict =
  | { readonly kind: 'pass' }
  | { readonly kind: 'explained'; readonly detail: string }
  | { readonly kind: 'wrong'; readonly detail: string };

const cases = (JSON.parse(readFileSync(join(SUITE_DIR, 'expectations.json'), 'utf8')) as { cases: ActCase[] }).cases;
const verdicts = new Map<string, Verdict>();

/** The one workflow file of a case folder (act runs every workflow of the folder; each has one). */
function workflowFileOf(caseDir: string): string {
  const files = readdirSync(join(SUITE_DIR, caseDir)).filter((name) => /\.ya?ml$/.test(name));
  assert.equal(files.length, 1, `${caseDir}: expected one workflow file, found ${files.join(', ') || 'none'}`);
  return join(caseDir, files[0] as string);
}

/**
 * A Git checkout of the data folder, so the run's `github` context has a commit and branch,
 * standing where act's tests stand: in act's repository (origin nektos/act, so
 * `github.repository_owner` is nektos) with act's default actor, "nektos/act", as the Git
 * user DeployLite takes `github.actor` from.
 */
function makeCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploylite-act-'));
  cpSync(SUITE_DIR, dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'master');
  git('config', 'user.name', 'nektos/act');
  git('config', 'user.email', 'conformance@localhost');
  git('remote', 'add', 'origin', 'https://github.com/nektos/act.git');
  git('add', '-A');
  git('commit', '-q', '-m', 'act test data');
  return dir;
}

function runCase(actCase: ActCase): Promise<RunResult> {
  const checkout = makeCheckout();
  const file = workflowFileOf(actCase.workflow);
  return new Promise<RunResult>((resolveRun) => {
    const child = spawn(process.execPath, [CLI, 'run', file, '--event', actCase.event], {
      cwd: checkout,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CASE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(checkout, { recursive: true, force: true });
      const ended = code === 0 ? 'success' : code === 1 ? 'failure' : code === 2 && /nothing was run/.test(output) ? 'rejected' : 'crashed';
      resolveRun({ ended, output: signal ? `${output}\n(killed by ${signal} after ${CASE_TIMEOUT_MS} ms)` : output });
    });
  });
}

function verdictOf(actCase: ActCase, result: RunResult): Verdict {
  const explained = EXPLAINED[actCase.workflow];
  if (result.ended === actCase.expect) {
    return explained ? { kind: 'wrong', detail: `ends as act expects (${result.ended}) now: remove it from EXPLAINED` } : { kind: 'pass' };
  }
  const detail = `expected ${actCase.expect}, got ${result.ended}\n${result.output.trimEnd().split('\n').slice(-15).join('\n')}`;
  if (!explained) return { kind: 'wrong', detail };
  if (explained.rejectedFor && !(result.ended === 'rejected' && explained.rejectedFor.test(result.output))) {
    return { kind: 'wrong', detail: `explained as rejected for ${String(explained.rejectedFor)}, but: ${detail}` };
  }
  if (explained.failedWith && !(result.ended === 'failure' && explained.failedWith.test(result.output))) {
    return { kind: 'wrong', detail: `explained as failing with ${String(explained.failedWith)}, but: ${detail}` };
  }
  return { kind: 'explained', detail: explained.reason };
}

/** Runs `work` over `items`, `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

test('the act data and the built CLI are present', () => {
  assert.ok(cases.length >= 40, `found ${cases.length} cases in ${SUITE_DIR}`);
  assert.ok(readdirSync(join(REPO_ROOT, 'dist')).includes('deploylite.mjs'), 'dist/deploylite.mjs is missing: run `npm run build`');
  for (const name of Object.keys(EXPLAINED)) assert.ok(cases.some((c) => c.workflow === name), `EXPLAINED names ${name}, which is not a case`);
});

test(`act's host-mode workflows (${cases.length}) end as in act, or have a written reason`, { timeout: 20 * 60_000 }, async () => {
  await inPool(cases, PARALLEL_CASES, async (actCase) => {
    verdicts.set(actCase.workflow, verdictOf(actCase, await runCase(actCase)));
  });
  const wrong = [...verdicts].filter(([, v]) => v.kind === 'wrong').map(([name, v]) => `${name}: ${v.kind === 'wrong' ? v.detail : ''}`);
  assert.deepEqual(wrong, []);
});

after(() => {
  const count = (kind: Verdict['kind']) => [...verdicts.values()].filter((v) => v.kind === kind).length;
  console.log(`act-workflows conformance: ${count('pass')}/${verdicts.size} cases pass; ${count('explained')} explained, ${count('wrong')} wrong`);
  if (process.env.WORKFLOW_CONFORMANCE_DETAILS) {
    for (const [name, verdict] of verdicts) if (verdict.kind !== 'pass') console.log(`${verdict.kind}\t${name}\t${verdict.detail}`);
  }
});
