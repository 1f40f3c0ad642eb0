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

const NOT_STORED = 'a remote action (owner/repo@ref), which DeployLite runs only from its local action store (`deploylite actions add`); the network is not used';

/**
 * act's `container:` jobs need images from Docker Hub (alpine, node:16-buster…), which cannot be pulled here; the
 * suite runs the host executor, which refuses a job with an image before anything runs.
 */
const CONTAINER_JOB = 'a container: job: it needs --executor docker and an image pulled from Docker Hub, which this machine cannot reach; the local executor refuses it before anything runs';
const CONTAINER_JOB_REFUSED = /sets image: "[^"]+" but the runner uses the local executor; image needs --executor docker or kubernetes/;

/** act's case writes the action.yml in an earlier step; DeployLite reads local actions when it validates the workflow, before any step. */
const ACTION_WRITTEN_BY_A_STEP =
  'its local action (`uses: ./`) is written by an earlier step of the job; DeployLite reads local actions when it validates the workflow, before anything runs, and finds none';

/**
 * Cases that do not end as in act, each with its reason. The reason is checked against what
 * happened: a case explained by an unsupported feature must have been rejected for it
 * (`rejectedFor`, matched in the output), one explained by a run-time gap must have failed
 * with that evidence in its log (`failedWith`).
 */
const EXPLAINED: Readonly<Record<string, { readonly reason: string; readonly rejectedFor?: RegExp; readonly failedWith?: RegExp }>> = {
  evalmatrixneeds2: {
    reason: 'a matrix key written as an expression (`${{ needs.prepare.outputs.helix }}:`): DeployLite keeps the key as written, so matrix[<its value>] is empty',
    failedWith: /Check if the evaluated matrix key contains a value: exited with code 1/,
  },
  'evalmatrix-merge-map': {
    reason: '`${{ insert }}` inside a matrix value: DeployLite evaluates only a whole matrix or a whole axis from an expression, and rejects one inside',
    rejectedFor: /an expression inside matrix axis "a" is not supported/,
  },
  'evalmatrix-merge-array': {
    reason: 'expressions as items of a matrix axis (`- ${{ fromJSON(...) }}`): DeployLite evaluates only a whole matrix or a whole axis from an expression, and rejects one inside',
    rejectedFor: /an expression inside matrix axis "a" is not supported/,
  },
  'if-env-act': { reason: 'act-specific: expects env.ACT, which act sets and GitHub does not', failedWith: /Negative env\.ACT match: exited with code 1/ },
  'shells/defaults': { reason: CONTAINER_JOB, rejectedFor: CONTAINER_JOB_REFUSED },
  'shells/pwsh': { reason: `needs pwsh on the host, and ${CONTAINER_JOB}`, rejectedFor: CONTAINER_JOB_REFUSED },
  'shells/bash': { reason: CONTAINER_JOB, rejectedFor: CONTAINER_JOB_REFUSED },
  'shells/python': { reason: CONTAINER_JOB, rejectedFor: CONTAINER_JOB_REFUSED },
  'shells/sh': { reason: CONTAINER_JOB, rejectedFor: CONTAINER_JOB_REFUSED },
  fail: { reason: CONTAINER_JOB, rejectedFor: CONTAINER_JOB_REFUSED },
  'local-action-js': {
    reason: 'its JavaScript actions\' code (dist/index.js) is not in the data (act builds it); DeployLite runs the action and node cannot find it',
    failedWith: /Cannot find module '.*actions\/node12\/dist\/index\.js'/,
  },
  'uses-nested-composite': {
    reason: 'the nested composite action runs actions/setup-node with node-version 16; DeployLite uses the runner\'s Node.js (20 here) and says so',
    failedWith: /node-version wants Node\.js "16", but this runner has Node\.js v/,
  },
  'remote-action-js': { reason: NOT_STORED, rejectedFor: /actions\/hello-world-javascript-action@v1 is not in the local action store/ },
  'issue-597': { reason: `${NOT_STORED}; also actions/checkout with ref:`, rejectedFor: /actions\/checkout input "ref" is not supported/ },
  'issue-598': { reason: NOT_STORED, rejectedFor: /actions\/hello-world-javascript-action@main is not in the local action store/ },
  'uses-action-with-pre-and-post-step': { reason: NOT_STORED, rejectedFor: /nektos\/act-test-actions@main is not in the local action store/ },
  'non-existent-action': {
    reason: 'act fails the job at run time; DeployLite rejects the workflow before running, naming the missing directory',
    rejectedFor: /uses: \.\/path\/to\/non-existent-action: no such directory in the checkout/,
  },
  'if-expressions': { reason: `${ACTION_WRITTEN_BY_A_STEP} (act fails the job at run time)`, rejectedFor: /uses: \.\/: no action\.yml or action\.yaml in/ },
  'do-not-leak-step-env-in-composite': { reason: ACTION_WRITTEN_BY_A_STEP, rejectedFor: /uses: \.\/: no action\.yml or action\.yaml in/ },
  'set-env-step-env-override': { reason: ACTION_WRITTEN_BY_A_STEP, rejectedFor: /uses: \.\/: no action\.yml or action\.yaml in/ },
  'no-panic-on-invalid-composite-action': {
    reason: `${ACTION_WRITTEN_BY_A_STEP}; and ${NOT_STORED} (act fails these jobs at run time)`,
    rejectedFor: /uses: \.\/: no action\.yml or action\.yaml in/,
  },
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

function withoutShell(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SHELL: _shell, ...rest } = env;
  return rest;
}

function runCase(actCase: ActCase): Promise<RunResult> {
  const checkout = makeCheckout();
  const file = workflowFileOf(actCase.workflow);
  return new Promise<RunResult>((resolveRun) => {
    const child = spawn(process.execPath, [CLI, 'run', file, '--event', actCase.event], {
      cwd: checkout,
      // SHELL is left unset, as for a runner started by systemd or CI: bash then sets it to the
      // login shell and sh does not, which is how act's defaults-run case tells the shells apart.
      // An empty action store: what the user has installed must not change the verdicts.
      env: { ...withoutShell(process.env), NO_COLOR: '1', DEPLOYLITE_ACTIONS_DIR: join(checkout, '.empty-action-store') },
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
