// GitHub's own expression cases (../shared/conformance/actions-expressions, from
// actions/languageservices) run through DeployLite's evaluateExpression: same result kind
// and value, or an error of the same kind. Lexing and parsing errors must also carry
// GitHub's message, position included.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DeployliteError } from '../../src/core/index.js';
import { evaluateExpression } from '../../src/pipeline/expressions/index.js';

const CASES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance/actions-expressions');

interface ConformanceCase {
  readonly expr: string;
  readonly contexts?: Record<string, unknown>;
  readonly result?: { readonly kind: string; readonly value: unknown };
  readonly err?: { readonly kind: 'lexing' | 'parsing' | 'evaluation'; readonly value: string };
  readonly options?: { readonly skip?: readonly string[] };
}

/**
 * The only allowlist: cases whose error message differs on purpose, each with its reason.
 * They still run and must fail with an error of the expected kind. No case is skipped.
 */
const MESSAGE_DIFFERS: Readonly<Record<string, string>> = {
  // GitHub's test declares only `github`, so `env` is unknown there; in DeployLite `env` is
  // always a known context, and the parser then stops at the next problem, contains() with
  // one argument ("Too few parameters supplied"). Same error kind, different message.
  "syntax-errors/parsing-errors: github.event_name == 'push'\n && !contains(env.COMMIT_MESSAGES)": 'env is a known context',
  "syntax-errors/parsing-errors: github.event_name == 'push' \n&& true\n&& !contains(env.COMMIT_MESSAGES)": 'env is a known context',
  "syntax-errors/parsing-errors: github.event_name == 'push' \n&& true\n&& true\n&& !contains(env.COMMIT_MESSAGES)": 'env is a known context',
  "syntax-errors/parsing-errors: github.event_name == 'push' \n&& true\n&& true\n&& true\n&& !contains(env.COMMIT_MESSAGES)":
    'env is a known context',
};

function loadFile(file: string): { name: string; testCase: ConformanceCase }[] {
  const groups = JSON.parse(readFileSync(join(CASES_DIR, file), 'utf8')) as Record<string, ConformanceCase[]>;
  return Object.entries(groups).flatMap(([group, list]) =>
    list.map((testCase) => ({ name: `${file.replace(/\.json$/, '')}/${group}: ${testCase.expr}`, testCase })),
  );
}

function kindOf(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'Array';
  switch (typeof value) {
    case 'boolean':
      return 'Boolean';
    case 'number':
      return 'Number';
    case 'string':
      return 'String';
    default:
      return 'Object';
  }
}

const EXPECTED_CODE = { lexing: 'expression.invalid', parsing: 'expression.invalid', evaluation: 'expression.evaluation' } as const;

/**
 * format() errors on GitHub quote the format string, which may be a secret; DeployLite's
 * message stops before it (`The following format string is invalid`).
 */
function safeMessage(message: string): string {
  return message.startsWith('The following format string') ? message.slice(0, message.indexOf(':')) : message;
}

function runCase(name: string, testCase: ConformanceCase): void {
  const evaluate = () => evaluateExpression(testCase.expr, testCase.contexts ?? {});
  if (testCase.err) {
    const expected = testCase.err;
    assert.throws(evaluate, (error: unknown) => {
      assert.ok(error instanceof DeployliteError, `expected an ExpressionError, got ${String(error)}`);
      assert.equal(error.code, EXPECTED_CODE[expected.kind]);
      if (!(name in MESSAGE_DIFFERS)) assert.ok(error.message.includes(safeMessage(expected.value)), `message: ${error.message}`);
      return true;
    });
    return;
  }
  const expected = testCase.result as NonNullable<ConformanceCase['result']>;
  const actual = evaluate();
  assert.equal(kindOf(actual), expected.kind);
  // Compared as JSON, as GitHub's own runner of these cases does (-0 and 0 print alike).
  assert.equal(JSON.stringify(actual), JSON.stringify(expected.value));
}

const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.json')).sort();
let total = 0;
let passed = 0;

for (const file of files) {
  const cases = loadFile(file);
  test(`${file}: ${cases.length} cases evaluate as on GitHub`, () => {
    const failures: string[] = [];
    for (const { name, testCase } of cases) {
      total++;
      try {
        runCase(name, testCase);
        passed++;
      } catch (error) {
        failures.push(`${name}\n    ${(error as Error).message.split('\n').join('\n    ')}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}

test('the conformance data is present', () => {
  assert.ok(files.length >= 28, `found ${files.length} case files in ${CASES_DIR}`);
});

after(() => {
  console.log(`actions-expressions conformance: ${passed}/${total} cases passed, ${Object.keys(MESSAGE_DIFFERS).length} of them with a message that differs on purpose`);
});
