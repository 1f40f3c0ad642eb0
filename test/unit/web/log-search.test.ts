// Find in the log: every case-insensitive occurrence over the text without colour codes,
// kept up to date as lines arrive, stepped through with wrap-around, marked over the colours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAnsi } from '../../../web/src/logs/ansi.js';
import { LogLines } from '../../../web/src/logs/log-lines.js';
import { LogSearch, markMatches, stepMatch } from '../../../web/src/logs/log-search.js';

function logOf(...texts: string[]): LogLines {
  const log = new LogLines();
  log.append(texts.map((text, index) => ({ lineNo: index + 1, stream: 'stdout' as const, text })));
  return log;
}

test('every occurrence is counted, case-insensitively, in order', () => {
  const search = new LogSearch('ERROR');
  search.extend(logOf('error one', 'fine', 'Error two, error three'));
  assert.equal(search.count, 3);
  assert.deepEqual([0, 1, 2].map((n) => search.match(n)), [{ line: 0, start: 0 }, { line: 2, start: 0 }, { line: 2, start: 11 }]);
});

test('colour codes are not searched and do not split a word', () => {
  const search = new LogSearch('failed');
  search.extend(logOf('\u001b[31mfai\u001b[1mled\u001b[0m', '\u001b[31m'));
  assert.equal(search.count, 1);
  assert.deepEqual(search.match(0), { line: 0, start: 0 });
  const none = new LogSearch('31m');
  none.extend(logOf('\u001b[31mred'));
  assert.equal(none.count, 0);
});

test('lines that arrive later are searched too, without counting old ones twice', () => {
  const log = logOf('a match', 'none');
  const search = new LogSearch('match');
  search.extend(log);
  log.append([{ lineNo: 3, stream: 'stdout', text: 'another match' }]);
  search.extend(log);
  search.extend(log);
  assert.equal(search.count, 2);
  assert.deepEqual(search.match(1), { line: 2, start: 8 });
});

test('overlapping occurrences count once each, left to right', () => {
  const search = new LogSearch('aa');
  search.extend(logOf('aaaa'));
  assert.equal(search.count, 2);
});

test('an empty query finds nothing', () => {
  const search = new LogSearch('');
  search.extend(logOf('anything'));
  assert.equal(search.count, 0);
});

test('"next" from a place in the log is the first match there or after it, wrapping', () => {
  const search = new LogSearch('x');
  search.extend(logOf('x', '', 'x x', '', 'x'));
  assert.equal(search.firstFrom(0), 0);
  assert.equal(search.firstFrom(1), 1);
  assert.equal(search.firstFrom(3), 3);
  assert.equal(search.firstFrom(5), 0);
  assert.deepEqual(search.startsIn(2), [0, 2]);
  assert.deepEqual(search.startsIn(1), []);
});

test('stepping wraps at both ends and starts at the first or last', () => {
  assert.equal(stepMatch(-1, 3, 1), 0);
  assert.equal(stepMatch(-1, 3, -1), 2);
  assert.equal(stepMatch(2, 3, 1), 0);
  assert.equal(stepMatch(0, 3, -1), 2);
  assert.equal(stepMatch(0, 0, 1), -1);
});

test('a match across colour changes is marked piece by piece, keeping each piece\'s style', () => {
  const segments = parseAnsi('say \u001b[31mhel\u001b[32mlo\u001b[0m world hello');
  const marked = markMatches(segments, [4, 16], 5, 16);
  assert.deepEqual(marked.map((m) => [m.text, m.mark ?? '']), [['say ', ''], ['hel', 'match'], ['lo', 'match'], [' world ', ''], ['hello', 'current']]);
  assert.equal(marked[1]?.style, segments[1]?.style);
  assert.equal(marked.map((m) => m.text).join(''), 'say hello world hello');
});

test('the log finds a line by its number', () => {
  const log = logOf('a', 'b', 'c');
  assert.equal(log.indexOf(2), 1);
  assert.equal(log.indexOf(9), -1);
});

test('a log searched in slices finds exactly what one pass finds', () => {
  const log = logOf(...Array.from({ length: 25 }, (_, index) => (index % 3 === 0 ? `hit ${index} hit` : `miss ${index}`)));
  const whole = new LogSearch('hit');
  whole.extend(log);
  const sliced = new LogSearch('hit');
  while (sliced.searchedLines < log.length) sliced.extend(log, sliced.searchedLines + 4);
  assert.equal(sliced.count, whole.count);
  assert.deepEqual(Array.from({ length: whole.count }, (_, n) => sliced.match(n)), Array.from({ length: whole.count }, (_, n) => whole.match(n)));
});
