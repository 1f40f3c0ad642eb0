import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, MAX_LINE_LENGTH } from '../../../src/executors/local/line-splitter.js';

function split(chunks: readonly (string | Buffer)[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return lines;
}

test('a line split over several chunks is delivered once, whole', () => {
  assert.deepEqual(split(['hel', 'lo wo', 'rld\nnext\n']), ['hello world', 'next']);
});

test('a final line without a newline is delivered at the end', () => {
  assert.deepEqual(split(['one\ntwo']), ['one', 'two']);
});

test('CRLF line ends are removed, also when \\r and \\n arrive in different chunks', () => {
  assert.deepEqual(split(['a\r\nb\r', '\nc\r\n']), ['a', 'b', 'c']);
});

test('a UTF-8 character split between chunks is decoded intact', () => {
  const bytes = Buffer.from('é✓\n');
  assert.deepEqual(split([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]), ['é✓']);
});

test('empty lines are kept, but a trailing newline does not add an empty line', () => {
  assert.deepEqual(split(['\n\nx\n']), ['', '', 'x']);
});

test('a line longer than the maximum is delivered in pieces, even before its newline arrives', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  splitter.push(Buffer.from('y'.repeat(MAX_LINE_LENGTH + 10)));
  assert.deepEqual(lines.map((line) => line.length), [MAX_LINE_LENGTH]);
  splitter.push(Buffer.from('\n'));
  assert.deepEqual(lines.map((line) => line.length), [MAX_LINE_LENGTH, 10]);
});

test('a long line is never cut between the two halves of a surrogate pair', () => {
  const lines = split(['a'.repeat(MAX_LINE_LENGTH - 1) + '😀' + '\n']);
  assert.deepEqual(lines, ['a'.repeat(MAX_LINE_LENGTH - 1), '😀']);
});
