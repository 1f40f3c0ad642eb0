import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containsExpression, evaluateTemplateValue, interpolate } from '../../../src/pipeline/expressions/index.js';

test('interpolate replaces every expression in a template', () => {
  const contexts = { matrix: { os: 'linux', node: 20 } };
  assert.equal(interpolate('node ${{ matrix.node }} on ${{ matrix.os }}!', contexts), 'node 20 on linux!');
});

test('a template without expressions is returned unchanged', () => {
  assert.equal(interpolate('echo {{ not an expression }}', {}), 'echo {{ not an expression }}');
});

test('"}}" inside a string literal does not close the expression', () => {
  assert.equal(interpolate("a${{ format('}}{0}', 'b') }}c", {}), 'a}bc');
});

test("an escaped quote ('') inside a string literal keeps the literal open", () => {
  assert.equal(interpolate("${{ 'it''s }} here' }}", {}), "it's }} here");
});

test('a string literal can hold the opening sequence itself', () => {
  assert.equal(interpolate("${{ '${{ literal }}' }}", {}), '${{ literal }}');
});

test('null and missing values become the empty string', () => {
  assert.equal(interpolate('[${{ null }}][${{ env.MISSING }}]', { env: {} }), '[][]');
});

test('numbers and booleans print as the expression language formats them', () => {
  assert.equal(interpolate('${{ 1.50 }} ${{ 0x10 }} ${{ true }} ${{ 1 == 2 }}', {}), '1.5 16 true false');
});

test('objects and arrays print as toJSON() does', () => {
  const contexts = { matrix: { node: 18 } };
  assert.equal(interpolate('${{ matrix }}', contexts), '{\n  "node": 18\n}');
  assert.equal(interpolate("v=${{ fromJSON('[1,2]') }}", {}), 'v=[\n  1,\n  2\n]');
});

test('evaluateTemplateValue returns the raw value of a template that is one expression', () => {
  const value = evaluateTemplateValue("${{ fromJSON('{\"node\":[18,20]}') }}", {});
  assert.deepEqual(value, { node: [18, 20] });
});

test('evaluateTemplateValue ignores whitespace around the single expression (YAML block scalars)', () => {
  assert.deepEqual(evaluateTemplateValue("\n  ${{ fromJSON('[1]') }}\n", {}), [1]);
});

test('evaluateTemplateValue interpolates a template with text around the expression', () => {
  assert.equal(evaluateTemplateValue('v${{ 1 == 1 }}', {}), 'vtrue');
});

test('containsExpression detects the opening sequence', () => {
  assert.equal(containsExpression('run ${{ matrix.os }}'), true);
  assert.equal(containsExpression('run {{ matrix.os }}'), false);
});

test('interpolating a template with an unterminated ${{ is an invalid expression error', () => {
  assert.throws(() => interpolate('echo ${{ matrix.os', { matrix: { os: 'linux' } }), {
    name: 'ExpressionError',
    code: 'expression.invalid',
    message: /not closed/,
  });
});

test('interpolating an empty ${{ }} is an invalid expression error', () => {
  assert.throws(() => interpolate('a ${{ }} b', {}), { code: 'expression.invalid', message: /An expression was expected/ });
});
