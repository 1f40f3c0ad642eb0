import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCondition, checkExpression, checkTemplate } from '../../../src/pipeline/expressions/index.js';

test('a valid template has no errors', () => {
  assert.deepEqual(checkTemplate("echo ${{ matrix.os }} ${{ format('}}{0}', env.X) }} done"), []);
});

test('a bad expression in a template is reported with its text', () => {
  const [message, ...rest] = checkTemplate('echo ${{ matrix.os == }} ok');
  assert.deepEqual(rest, []);
  assert.equal(message, "Unexpected end of expression: '=='. Located at position 11 within expression: matrix.os ==");
});

test('each bad expression of a template is reported', () => {
  const messages = checkTemplate('${{ 1 < }} and ${{ nosuch.x }}');
  assert.equal(messages.length, 2);
  assert.match(messages[0] ?? '', /within expression: 1 </);
  assert.match(messages[1] ?? '', /Unrecognized named-value: 'nosuch'/);
});

test('an unterminated ${{ is reported with the text that follows it', () => {
  const messages = checkTemplate('echo ${{ matrix.os }} ${{ matrix.node');
  assert.equal(messages.length, 1);
  assert.match(messages[0] ?? '', /The expression is not closed/);
  assert.match(messages[0] ?? '', /\$\{\{ matrix\.node/);
});

test('a "}}" inside an unclosed string literal does not terminate the expression', () => {
  assert.match(checkTemplate("${{ format('}}') ")[0] ?? '', /not closed/);
});

test('an empty ${{ }} in a template is an error', () => {
  assert.deepEqual(checkTemplate('a ${{ }} b'), ['An expression was expected inside ${{ }}']);
});

test('checkExpression reports syntax errors, unknown contexts and wrong argument counts', () => {
  assert.deepEqual(checkExpression("startsWith(github.ref, 'refs/tags/')"), []);
  assert.equal(checkExpression('1 2').length, 1);
  assert.match(checkExpression('inputz.name')[0] ?? '', /Unrecognized named-value: 'inputz'/);
  assert.match(checkExpression("contains('a')")[0] ?? '', /Too few parameters supplied: 'contains'/);
  assert.match(checkExpression('success(1)')[0] ?? '', /Too many parameters supplied: 'success'/);
});

test('checkCondition accepts a condition with or without the wrapper', () => {
  assert.deepEqual(checkCondition('always()'), []);
  assert.deepEqual(checkCondition('${{ always() }}'), []);
  assert.match(checkCondition('${{ always( }}')[0] ?? '', /within expression: always\(/);
  assert.match(checkCondition('always(')[0] ?? '', /within expression: always\(/);
});
