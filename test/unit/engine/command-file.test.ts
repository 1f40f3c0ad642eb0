import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCommandFile } from '../../../src/engine/command-file.js';

test('name=value lines become entries, and values may contain "="', () => {
  assert.deepEqual(parseCommandFile('a=1\nurl=http://x/?q=a=b\n').values, { a: '1', url: 'http://x/?q=a=b' });
});

test('a name written twice keeps the later value', () => {
  assert.deepEqual(parseCommandFile('a=1\na=2\n').values, { a: '2' });
});

test('an empty value is a value', () => {
  assert.deepEqual(parseCommandFile('empty=\n'), { values: { empty: '' }, problems: [] });
});

test('spaces around names and values are kept, as on GitHub', () => {
  assert.deepEqual(parseCommandFile(' a = b \n').values, { ' a ': ' b ' });
});

test('a heredoc value keeps its inner newlines and drops the last one', () => {
  const text = 'notes<<EOF\nfirst\n\nthird\nEOF\nafter=1\n';
  assert.deepEqual(parseCommandFile(text), { values: { notes: 'first\n\nthird', after: '1' }, problems: [] });
});

test('an empty heredoc is an empty value', () => {
  assert.deepEqual(parseCommandFile('x<<END\nEND\n').values, { x: '' });
});

test('a heredoc value may contain "=" and "<<" lines and look-alike delimiters', () => {
  const text = 'v<<EOF\na=b\nc<<d\n EOF\nEOF \nEOF\n';
  assert.deepEqual(parseCommandFile(text).values, { v: 'a=b\nc<<d\n EOF\nEOF ' });
});

test('a line splits at whichever of "=" and "<<" comes first', () => {
  assert.deepEqual(parseCommandFile('a=x<<y\n').values, { a: 'x<<y' });
  assert.deepEqual(parseCommandFile('b<<E=\nv\nE=\n').values, { b: 'v' });
});

test('CRLF line ends are tolerated, also in heredocs', () => {
  const text = 'a=1\r\nb<<EOF\r\nx\r\ny\r\nEOF\r\n';
  assert.deepEqual(parseCommandFile(text), { values: { a: '1', b: 'x\ny' }, problems: [] });
});

test('blank lines are ignored and the last line needs no newline', () => {
  assert.deepEqual(parseCommandFile('\n  \na=1\n\nb=2').values, { a: '1', b: '2' });
});

test('a line without "=" or "<<" is a problem with its line number, and the other lines still count', () => {
  assert.deepEqual(parseCommandFile('a=1\nsecret-looking text\nb=2\n'), {
    values: { a: '1', b: '2' },
    problems: ['line 2: expected NAME=VALUE or NAME<<DELIMITER'],
  });
});

test('problems never quote the offending text, which may be a secret', () => {
  const { problems } = parseCommandFile('hunter2\n');
  assert.ok(!problems.join().includes('hunter2'));
});

test('an empty name is a problem', () => {
  assert.deepEqual(parseCommandFile('=value\n<<EOF\n').problems, [
    'line 1: the name before "=" is empty',
    'line 2: the name before "<<" is empty',
  ]);
});

test('an empty heredoc delimiter is a problem', () => {
  assert.deepEqual(parseCommandFile('x<<\n').problems, ['line 1: the delimiter after "<<" is empty']);
});

test('an unterminated heredoc is a problem at its opening line and swallows the rest of the file', () => {
  assert.deepEqual(parseCommandFile('a=1\nbody<<EOF\nline\nb=2\n'), {
    values: { a: '1' },
    problems: ['line 2: "body<<EOF" is never closed by a line "EOF"'],
  });
});

test('a name such as __proto__ becomes an ordinary entry', () => {
  const { values } = parseCommandFile('__proto__=x\n');
  assert.deepEqual(Object.entries(values), [['__proto__', 'x']]);
});

test('any value written as a heredoc with a delimiter it does not contain reads back unchanged', () => {
  fc.assert(
    fc.property(fc.string(), (value) => {
      const delimiter = 'ghadelimiter_7f3a';
      fc.pre(!value.includes(delimiter) && !value.includes('\r'));
      return parseCommandFile(`v<<${delimiter}\n${value}\n${delimiter}\n`).values.v === value;
    }),
  );
});

test('never throws, whatever the text', () => {
  fc.assert(fc.property(fc.string(), (text) => Array.isArray(parseCommandFile(text).problems)));
});
