// The run form's variables box: `NAME=value` lines become the run's variables; the first line
// that is not one is named in the error, so nothing is started with half of what was meant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVariables } from '../../../web/src/lib/variables.js';

test('NAME=value lines become variables, blank lines are ignored', () => {
  assert.deepEqual(parseVariables('GREETING=hi\n\n  TARGET_2=linux\n'), { variables: { GREETING: 'hi', TARGET_2: 'linux' } });
});

test('the value is everything after the first = and may be empty', () => {
  assert.deepEqual(parseVariables('URL=https://x.example/?a=b c\nEMPTY='), { variables: { URL: 'https://x.example/?a=b c', EMPTY: '' } });
});

test('an empty box is no variables', () => {
  assert.deepEqual(parseVariables(''), { variables: {} });
});

test('the first malformed line is named by its number', () => {
  assert.deepEqual(parseVariables('GREETING=hi\n\njust words\n1ST=x'), { error: 'Variables, line 3: write NAME=value (letters, digits and _ in the name).' });
});

test('a name with a dash or a space before = is refused', () => {
  for (const line of ['MY-VAR=x', 'MY VAR=x', '=x']) assert.ok('error' in parseVariables(line), line);
});
