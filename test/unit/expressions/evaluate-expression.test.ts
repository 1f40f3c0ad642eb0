import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lexer } from '@actions/expressions';
import { DeployliteError } from '../../../src/core/index.js';
import { evaluateExpression, ExpressionError, KNOWN_CONTEXTS } from '../../../src/pipeline/expressions/index.js';

function errorOf(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ExpressionError, `expected an ExpressionError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

test('an expression evaluates to a plain JS value', () => {
  const contexts = { needs: { plan: { outputs: { targets: '["a","b"]' } } } };
  assert.deepEqual(evaluateExpression('fromJSON(needs.plan.outputs.targets)', contexts), ['a', 'b']);
});

test('context and property lookups are case-insensitive', () => {
  assert.equal(evaluateExpression('MATRIX.Node', { matrix: { node: 18 } }), 18);
  assert.equal(evaluateExpression("secrets['api_token']", { secrets: { API_TOKEN: 'x' } }), 'x');
});

test('a known context that was not provided is empty, not an error', () => {
  assert.equal(evaluateExpression('vars.REGION', {}), null);
  assert.deepEqual(evaluateExpression('fromJSON(toJSON(needs))', {}), {});
});

test('every known context is accepted by the parser', () => {
  for (const name of KNOWN_CONTEXTS) assert.equal(evaluateExpression(`${name}.anything`, {}), null);
});

test('an unknown context is an invalid expression naming it', () => {
  const error = errorOf(() => evaluateExpression('secret.TOKEN', {}));
  assert.equal(error.code, 'expression.invalid');
  assert.equal(error.message, "Unrecognized named-value: 'secret'. Located at position 1 within expression: secret.TOKEN");
});

test('an unknown function is an invalid expression', () => {
  const error = errorOf(() => evaluateExpression("toUpper('a')", {}));
  assert.equal(error.code, 'expression.invalid');
  assert.match(error.message, /Unrecognized function: 'toUpper'/);
});

test('ExpressionError is a DeployliteError', () => {
  assert.ok(errorOf(() => evaluateExpression('1 <', {})) instanceof DeployliteError);
});

test('evaluation errors quote the expression, never the evaluated values', () => {
  const contexts = { secrets: { TOKEN: 'hunter2-{secret' } };
  for (const source of ['fromJSON(secrets.TOKEN)', "format('{0', secrets.TOKEN)", 'format(secrets.TOKEN)', "case(secrets.TOKEN, 'a', 'b')"]) {
    const error = errorOf(() => evaluateExpression(source, contexts));
    assert.equal(error.code, 'expression.evaluation');
    assert.ok(error.message.includes(source), error.message);
    assert.ok(!error.message.includes('hunter2'), error.message);
  }
});

test('hashFiles() calls the host with its patterns', () => {
  const calls: string[][] = [];
  const host = { hashFiles: (patterns: string[]) => (calls.push(patterns), 'abc123') };
  assert.equal(evaluateExpression("hashFiles('**/package-lock.json', 'Cargo.lock')", {}, host), 'abc123');
  assert.deepEqual(calls, [['**/package-lock.json', 'Cargo.lock']]);
});

test('hashFiles() without a host is an evaluation error', () => {
  const error = errorOf(() => evaluateExpression("hashFiles('*.lock')", {}));
  assert.equal(error.code, 'expression.evaluation');
  assert.match(error.message, /hashFiles\(\) is not available/);
});

test('a failing hashFiles() host becomes an evaluation error', () => {
  const host = {
    hashFiles: () => {
      throw new Error('EACCES: permission denied');
    },
  };
  const error = errorOf(() => evaluateExpression("hashFiles('x')", {}, host));
  assert.equal(error.code, 'expression.evaluation');
  assert.match(error.message, /hashFiles\(\) failed: EACCES/);
});

test('hashFiles() needs at least one pattern', () => {
  assert.equal(errorOf(() => evaluateExpression('hashFiles()', {})).code, 'expression.invalid');
});

test('an expression producing more than 1 MiB of strings fails as on GitHub', () => {
  const contexts = { env: { BIG: 'x'.repeat(100_000) } };
  const error = errorOf(() => evaluateExpression("format('{0}{0}{0}{0}{0}{0}', env.BIG)", contexts));
  assert.match(error.message, /maximum allowed memory size was exceeded/);
});

test('evaluating the same expression many times lexes it once', (t) => {
  const lex = t.mock.method(Lexer.prototype, 'lex');
  for (let i = 0; i < 500; i++) evaluateExpression('matrix.shard == 3 && needs.build.result', { matrix: { shard: i } });
  assert.equal(lex.mock.callCount(), 1);
});
