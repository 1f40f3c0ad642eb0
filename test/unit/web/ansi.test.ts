// Terminal colour codes in a job's log become styled text segments — data, never HTML — with
// every colour readable on the log's dark background.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LOG_ROW_HIGHLIGHT, paletteColour, parseAnsi, plainText } from '../../../web/src/logs/ansi.js';
import { contrastRatio, MIN_CONTRAST } from '../../../web/src/logs/colour-contrast.js';

const ESC = '\u001b';
const hex = (css: string | undefined) => Number.parseInt((css ?? '').slice(1), 16);

test('a line without codes is one plain segment', () => {
  assert.deepEqual(parseAnsi('hello world'), [{ text: 'hello world', style: {} }]);
  assert.deepEqual(parseAnsi(''), []);
});

test('a basic colour applies until reset', () => {
  const segments = parseAnsi(`${ESC}[31merror${ESC}[0m: done`);
  assert.deepEqual(segments.map((s) => s.text), ['error', ': done']);
  assert.ok(segments[0]?.style.color, 'red has a colour');
  assert.deepEqual(segments[1]?.style, {});
});

test('bold, italic, underline and strike-through are set and cleared one by one', () => {
  const segments = parseAnsi(`${ESC}[1;3;4;9mall${ESC}[22mnot bold${ESC}[23;24;29mplain`);
  assert.deepEqual(segments[0]?.style, { fontWeight: 'bold', fontStyle: 'italic', textDecoration: 'underline line-through' });
  assert.deepEqual(segments[1]?.style, { fontStyle: 'italic', textDecoration: 'underline line-through' });
  assert.deepEqual(segments[2]?.style, {});
});

test('256-colour and truecolour codes, with semicolons or colons, give the exact colour when it is readable', () => {
  assert.equal(parseAnsi(`${ESC}[38;5;208morange`)[0]?.style.color, '#ff8700');
  assert.equal(parseAnsi(`${ESC}[38;2;255;200;0mgold`)[0]?.style.color, '#ffc800');
  assert.equal(parseAnsi(`${ESC}[38:2::255:200:0mgold`)[0]?.style.color, '#ffc800');
  assert.equal(paletteColour(232), 0x080808);
  assert.equal(paletteColour(21), 0x0000ff);
});

test('a background colour is kept and the text on it stays readable', () => {
  const [segment] = parseAnsi(`${ESC}[30;47mblack on white`);
  assert.equal(segment?.style.backgroundColor, '#e5e5e5');
  assert.ok(contrastRatio(hex(segment?.style.color), 0xe5e5e5) >= MIN_CONTRAST);
});

test('colours too dark for the log background are lightened, keeping their hue', () => {
  for (const code of ['30', '34', '38;5;17', '38;2;0;0;0', '38;2;60;0;0']) {
    const colour = hex(parseAnsi(`${ESC}[${code}mx`)[0]?.style.color);
    assert.ok(contrastRatio(colour, LOG_ROW_HIGHLIGHT) >= MIN_CONTRAST, `${code} gives ${colour.toString(16)}`);
  }
  const blue = hex(parseAnsi(`${ESC}[38;2;0;0;139mx`)[0]?.style.color);
  assert.ok((blue & 0xff) > ((blue >> 16) & 0xff), 'dark blue stays bluish');
});

test('inverse swaps the colours', () => {
  const [segment] = parseAnsi(`${ESC}[7minverse`);
  assert.equal(segment?.style.backgroundColor, '#f1f5f9');
});

test('a reset by 39/49 returns to the default colours', () => {
  const segments = parseAnsi(`${ESC}[32;41mx${ESC}[39;49my`);
  assert.deepEqual(segments[1]?.style, {});
});

test('markup in a line stays text', () => {
  const segments = parseAnsi(`${ESC}[31m<img src=x onerror=alert(1)>${ESC}[0m`);
  assert.equal(segments[0]?.text, '<img src=x onerror=alert(1)>');
});

test('cursor moves, titles, hyperlinks and stray control characters are dropped', () => {
  assert.equal(plainText(`${ESC}[2K${ESC}[1Gdone`), 'done');
  assert.equal(plainText(`${ESC}]0;title\u0007text`), 'text');
  assert.equal(plainText(`${ESC}]8;;https://example.com${ESC}\\link${ESC}]8;;${ESC}\\`), 'link');
  assert.equal(plainText('a\u0000b\u0008c\td'), 'abc\td');
});

test('a progress bar redrawn with carriage returns shows its last state', () => {
  assert.equal(plainText('10%\r50%\r100%'), '100%');
  assert.equal(plainText('done\r'), 'done');
});

test('an unfinished or malformed sequence never throws and keeps the text around it', () => {
  assert.equal(plainText(`ok ${ESC}[38;5m`), 'ok ');
  assert.equal(plainText(`ok ${ESC}[`), 'ok ');
  assert.deepEqual(parseAnsi(`${ESC}[38;5;999mx`).map((s) => s.text), ['x']);
  assert.deepEqual(parseAnsi(`${ESC}[38;2;1mx`).map((s) => s.text), ['x']);
});

test('the plain text is the segments joined', () => {
  const line = `${ESC}[1mBuild${ESC}[0m ${ESC}[32m✓${ESC}[0m 12 files`;
  assert.equal(parseAnsi(line).map((s) => s.text).join(''), plainText(line));
  assert.equal(plainText(line), 'Build ✓ 12 files');
});

test('each line starts in the default style: a colour left open does not carry over', () => {
  parseAnsi(`${ESC}[31mopen`);
  assert.deepEqual(parseAnsi('next line')[0]?.style, {});
});

test('the fast plain text always equals what the tokenizer shows, on any mix of text, codes and controls', () => {
  const piece = fc.oneof(
    fc.constantFrom(ESC, `${ESC}[`, `${ESC}]`, '\u0007', `${ESC}\\`, '\r', '\t', '\u0000', '\u007f', ';', 'm', '38', '2', ':', '[', 'ü', '😀'),
    fc.string({ maxLength: 4 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
      const line = pieces.join('');
      assert.equal(plainText(line), parseAnsi(line).map((s) => s.text).join(''));
    }),
    { numRuns: 2000 },
  );
});

test('the plain text of a coloured line is its words', () => {
  assert.equal(plainText(`${ESC}[1;31merror${ESC}[0m: failed`), 'error: failed');
});
