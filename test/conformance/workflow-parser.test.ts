// GitHub's workflow-parser test files (../shared/conformance/actions-workflow-parser/reader,
// from actions/languageservices) validated through DeployLite's GitHub Actions front end:
// a workflow GitHub accepts must be accepted, and one GitHub rejects must be rejected with
// GitHub's messages at GitHub's line and column. A case that does not pass must have a
// reason: a feature DeployLite reports as unsupported, GitHub's own parser failing it too
// (skipped-tests.txt), or an entry of EXPLAINED below. docs/github-actions.md lists them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../src/core/index.js';
import { compileWorkflow } from '../../src/workflows/index.js';

const SUITE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance/actions-workflow-parser');
const CASES_DIR = join(SUITE_DIR, 'reader');

/** Cases that neither pass nor fail for an unsupported feature or upstream, each with its reason. */
const EXPLAINED: Readonly<Record<string, string>> = {
  'background-steps.yml':
    'background/wait/cancel steps are a GitHub preview behind the experimental-features option, which DeployLite does not turn on; it rejects them',
};

interface Expected {
  readonly errors?: readonly { readonly Message: string }[];
}

type Outcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'unsupported'; readonly features: readonly string[] }
  | { readonly kind: 'upstream' | 'explained' | 'wrong'; readonly detail: string };

const skippedUpstream = new Set(readFileSync(join(SUITE_DIR, 'skipped-tests.txt'), 'utf8').split(/\r?\n/).filter(Boolean));

/** A test file is YAML documents: options, the workflow, [called workflows…], the expected result. */
function readCase(file: string): { workflow: string; expected: Expected } {
  const docs = readFileSync(join(CASES_DIR, file), 'utf8').split(/\r?\n---\r?\n/);
  assert.ok(docs.length >= 3, `${file}: expected at least 3 documents`);
  return { workflow: docs[1] as string, expected: JSON.parse((docs.at(-1) as string).trim()) as Expected };
}

/** Our diagnostic in GitHub's form: `FILE (Line: L, Col: C): message`. */
function asGitHubMessage(d: Diagnostic): string {
  return `${d.file} (Line: ${d.line}, Col: ${d.col}): ${d.message}`;
}

/** GitHub prints errors without a position as `FILE: message`; ours sit at 1:1 with the same message. */
function sameMessage(ours: Diagnostic, expected: string): boolean {
  if (asGitHubMessage(ours) === expected) return true;
  return !/\(Line: \d+, Col: \d+\): /.test(expected) && expected === `${ours.file}: ${ours.message}`;
}

async function outcomeOf(file: string): Promise<Outcome> {
  const { workflow, expected } = readCase(file);
  // The name GitHub's own harness gives the file: messages start with it.
  const { diagnostics } = await compileWorkflow(workflow, `.github/workflows/${file}`);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const fromParser = errors.filter((d) => d.code !== 'workflow.unsupported');
  const unsupported = errors.filter((d) => d.code === 'workflow.unsupported').map((d) => `${d.line}:${d.col} ${d.message}`);
  const expectedMessages = (expected.errors ?? []).map((e) => e.Message);

  const messagesMatch =
    fromParser.length === expectedMessages.length && fromParser.every((d, i) => sameMessage(d, expectedMessages[i] as string));
  const accepted = expectedMessages.length === 0;
  if (accepted ? errors.length === 0 : messagesMatch) return { kind: 'pass' };
  // GitHub's verdict and messages, plus a named feature DeployLite does not run yet.
  if ((accepted ? fromParser.length === 0 : messagesMatch) && unsupported.length > 0) return { kind: 'unsupported', features: unsupported };
  const detail = `expected ${JSON.stringify(expectedMessages)}\n    got ${JSON.stringify(errors.map(asGitHubMessage))}`;
  if (skippedUpstream.has(file)) return { kind: 'upstream', detail };
  if (file in EXPLAINED) return { kind: 'explained', detail };
  // GitHub checks a call against the called workflow's inputs, secrets and permissions;
  // DeployLite rejects the call itself first (it does not run reusable workflows yet).
  const rejectsCall = unsupported.some((message) => /^\d+:\d+ jobs\.[^.]+\.uses is not supported/.test(message));
  if (!accepted && /reusable-workflow/.test(file) && rejectsCall && fromParser.length === 0) return { kind: 'unsupported', features: unsupported };
  return { kind: 'wrong', detail };
}

const files = readdirSync(CASES_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const outcomes = new Map<string, Outcome>();

test(`GitHub's workflow-parser cases (${files.length}) are accepted or rejected as on GitHub, or have a written reason`, async () => {
  const wrong: string[] = [];
  for (const file of files) {
    const outcome = await outcomeOf(file);
    outcomes.set(file, outcome);
    if (outcome.kind === 'wrong') wrong.push(`${file}\n    ${outcome.detail}`);
  }
  assert.deepEqual(wrong, []);
});

test('every EXPLAINED case still needs its explanation', async () => {
  for (const file of Object.keys(EXPLAINED)) {
    assert.ok(files.includes(file), `${file} is not in the suite`);
    assert.equal((await outcomeOf(file)).kind, 'explained', `${file} passes now: remove it from EXPLAINED`);
  }
});

test('the conformance data is present', () => {
  assert.ok(files.length >= 190, `found ${files.length} cases in ${CASES_DIR}`);
});

after(() => {
  const count = (kind: Outcome['kind']) => [...outcomes.values()].filter((o) => o.kind === kind).length;
  console.log(
    `actions-workflow-parser conformance: ${count('pass')}/${outcomes.size} cases pass; ` +
      `${count('unsupported')} rejected for an unsupported feature, ${count('upstream')} that GitHub's own parser fails too, ` +
      `${count('explained')} explained, ${count('wrong')} wrong`,
  );
  if (process.env.WORKFLOW_CONFORMANCE_DETAILS) {
    for (const [file, outcome] of outcomes) {
      if (outcome.kind === 'pass') continue;
      const why = outcome.kind === 'unsupported' ? outcome.features.join(' | ') : outcome.kind === 'explained' ? EXPLAINED[file] : outcome.detail;
      console.log(`${outcome.kind}\t${file}\t${why}`);
    }
  }
});
