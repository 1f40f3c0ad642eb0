// Terminal colour codes (ANSI SGR) in a log line, turned into styled text segments. The
// output is data (text + a style object) that the view renders as text nodes, never HTML,
// so nothing a job prints can become markup. A small tokenizer rather than a library: the
// viewer needs only SGR (everything else is dropped), contrast-safe colours and per-line
// parsing for a virtualised list — see docs/architecture.md ("Log viewer").
import type { Rgb } from './colour-contrast.js';
import { cssColour, readableOn } from './colour-contrast.js';

/** The log's own colours (Tailwind slate-100 on slate-950); a highlighted row is slate-800. */
export const LOG_FOREGROUND: Rgb = 0xf1f5f9;
export const LOG_BACKGROUND: Rgb = 0x020617;
export const LOG_ROW_HIGHLIGHT: Rgb = 0x1e293b;

/** The graphic state SGR codes set. */
export interface AnsiState {
  readonly fg?: Rgb;
  readonly bg?: Rgb;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly strike?: boolean;
  readonly inverse?: boolean;
}

/** CSS for a segment, as Vue's `:style` takes it; empty when the text is plain. */
export interface SegmentStyle {
  readonly color?: string;
  readonly backgroundColor?: string;
  readonly fontWeight?: 'bold';
  readonly fontStyle?: 'italic';
  readonly textDecoration?: string;
}

export interface AnsiSegment {
  readonly text: string;
  readonly style: SegmentStyle;
}

/**
 * xterm's 16 colours as VS Code's dark terminal theme draws them (readable on a dark
 * background to start with; `readableOn` corrects the rest).
 */
const BASE_16: readonly Rgb[] = [
  0x000000, 0xcd3131, 0x0dbc79, 0xe5e510, 0x2472c8, 0xbc3fbc, 0x11a8cd, 0xe5e5e5,
  0x666666, 0xf14c4c, 0x23d18b, 0xf5f543, 0x3b8eea, 0xd670d6, 0x29b8db, 0xffffff,
];
const CUBE = [0, 95, 135, 175, 215, 255] as const;

/** xterm's 256-colour palette: the 16, a 6×6×6 cube, then 24 greys. */
export function paletteColour(index: number): Rgb {
  if (index < 16) return BASE_16[index] as Rgb;
  if (index < 232) {
    const cube = index - 16;
    return ((CUBE[Math.floor(cube / 36)] as number) << 16) | ((CUBE[Math.floor(cube / 6) % 6] as number) << 8) | (CUBE[cube % 6] as number);
  }
  const grey = 8 + (index - 232) * 10;
  return (grey << 16) | (grey << 8) | grey;
}

const clampByte = (value: number) => Math.max(0, Math.min(255, value));

/**
 * An extended colour after 38/48: `5;n` (256 colours) or `2;r;g;b` (truecolour). Returns the
 * colour (undefined when malformed) and how many parameters it used.
 */
function extendedColour(params: readonly number[], at: number): [Rgb | undefined, number] {
  const mode = params[at];
  if (mode === 5) {
    const index = params[at + 1];
    return [index !== undefined && index >= 0 && index <= 255 ? paletteColour(index) : undefined, 2];
  }
  if (mode === 2) {
    const [r, g, b] = [params[at + 1], params[at + 2], params[at + 3]];
    if (r === undefined || g === undefined || b === undefined) return [undefined, 4];
    return [(clampByte(r) << 16) | (clampByte(g) << 8) | clampByte(b), 4];
  }
  return [undefined, 1];
}

/** The state after one SGR sequence's parameters (`[]` is a reset, as `ESC[m` is). */
export function applySgr(state: AnsiState, params: readonly number[]): AnsiState {
  if (params.length === 0) return {};
  let next: { -readonly [K in keyof AnsiState]: AnsiState[K] } = { ...state };
  for (let i = 0; i < params.length; i++) {
    const code = params[i] as number;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4 || code === 21) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code === 27) next.inverse = false;
    else if (code === 29) next.strike = false;
    else if (code >= 30 && code <= 37) next.fg = paletteColour(code - 30);
    else if (code >= 90 && code <= 97) next.fg = paletteColour(code - 90 + 8);
    else if (code >= 40 && code <= 47) next.bg = paletteColour(code - 40);
    else if (code >= 100 && code <= 107) next.bg = paletteColour(code - 100 + 8);
    else if (code === 39) delete next.fg;
    else if (code === 49) delete next.bg;
    else if (code === 38 || code === 48) {
      const [colour, used] = extendedColour(params, i + 1);
      if (colour !== undefined) next[code === 38 ? 'fg' : 'bg'] = colour;
      i += used;
    }
    // Anything else (blink, conceal, fonts, overline…) is ignored, as most web log viewers do.
  }
  return next;
}

const styleCache = new Map<string, SegmentStyle>();
const PLAIN: SegmentStyle = Object.freeze({});

/**
 * The CSS for a state, with its text colour made readable on its background (the log's
 * lightest row background when the line sets none). Cached: identical states share one object.
 */
export function styleFor(state: AnsiState): SegmentStyle {
  const key = `${state.fg ?? ''}|${state.bg ?? ''}|${state.bold ? 1 : 0}${state.dim ? 1 : 0}${state.italic ? 1 : 0}${state.underline ? 1 : 0}${state.strike ? 1 : 0}${state.inverse ? 1 : 0}`;
  const known = styleCache.get(key);
  if (known) return known;
  let fg = state.fg;
  let bg = state.bg;
  if (state.inverse) [fg, bg] = [bg ?? LOG_BACKGROUND, fg ?? LOG_FOREGROUND];
  const coloured = fg !== undefined || bg !== undefined || state.dim;
  const style: { -readonly [K in keyof SegmentStyle]: SegmentStyle[K] } = {};
  if (coloured) {
    const base = fg ?? LOG_FOREGROUND;
    // Dim text is a darker colour, still readable: the contrast floor below applies to it too.
    const wanted = state.dim ? ((base >> 1) & 0x7f7f7f) : base;
    style.color = cssColour(readableOn(wanted, bg ?? LOG_ROW_HIGHLIGHT));
    if (bg !== undefined) style.backgroundColor = cssColour(bg);
  }
  if (state.bold) style.fontWeight = 'bold';
  if (state.italic) style.fontStyle = 'italic';
  const decorations = [state.underline ? 'underline' : '', state.strike ? 'line-through' : ''].filter(Boolean);
  if (decorations.length > 0) style.textDecoration = decorations.join(' ');
  const result = Object.keys(style).length === 0 ? PLAIN : Object.freeze(style);
  styleCache.set(key, result);
  return result;
}

/**
 * Walks a line: `text` gets each run of printable text, `sgr` each SGR's parameters. Other
 * escape sequences (cursor moves, OSC titles and hyperlinks) and control characters other
 * than tab are dropped. A carriage return starts the line over, as a terminal shows a
 * progress bar: only what follows the last one counts.
 */
function tokenize(line: string, text: (run: string) => void, sgr: (params: number[]) => void): void {
  const cr = line.lastIndexOf('\r', line.length - 2);
  let i = cr >= 0 && cr < line.length - 1 ? cr + 1 : 0;
  let runStart = i;
  const flush = (end: number) => {
    if (end > runStart) text(line.slice(runStart, end));
  };
  while (i < line.length) {
    const code = line.charCodeAt(i);
    if (code === 0x1b) {
      flush(i);
      i = skipEscape(line, i, sgr);
      runStart = i;
    } else if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      flush(i);
      runStart = ++i;
    } else {
      i++;
    }
  }
  flush(i);
}

/** An SGR's parameters, or undefined when one is not a number (a private sequence such as `?25`). */
function sgrParams(body: string): number[] | undefined {
  const params: number[] = [];
  if (body === '') return params;
  for (const group of body.split(';')) {
    if (!group.includes(':')) {
      params.push(group === '' ? 0 : Number(group));
      continue;
    }
    const parts = group.split(':').map((part) => (part === '' ? 0 : Number(part)));
    // `38:2:<colour space>:r:g:b` (ITU T.416) carries a colour-space id that `38;2;r;g;b` has not.
    if ((parts[0] === 38 || parts[0] === 48) && parts[1] === 2 && parts.length === 6) parts.splice(2, 1);
    params.push(...parts);
  }
  return params.every(Number.isFinite) ? params : undefined;
}

/** Past the escape sequence at `start`, reporting it to `sgr` when it is one. */
function skipEscape(line: string, start: number, sgr: (params: number[]) => void): number {
  const kind = line[start + 1];
  if (kind === '[') {
    let end = start + 2;
    // Parameter and intermediate bytes (0x20–0x3f), then one final byte (0x40–0x7e).
    while (end < line.length && line.charCodeAt(end) >= 0x20 && line.charCodeAt(end) <= 0x3f) end++;
    if (end >= line.length) return line.length;
    if (line[end] === 'm') {
      const params = sgrParams(line.slice(start + 2, end));
      if (params) sgr(params);
    }
    return end + 1;
  }
  if (kind === ']') {
    // OSC: up to BEL or ST (ESC \).
    for (let end = start + 2; end < line.length; end++) {
      if (line.charCodeAt(end) === 0x07) return end + 1;
      if (line.charCodeAt(end) === 0x1b && line[end + 1] === '\\') return end + 2;
    }
    return line.length;
  }
  return Math.min(line.length, start + 2);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const NEEDS_TOKENIZING = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * A line as styled segments; adjacent text in the same style is one segment. Each line starts
 * in the default style (as GitHub Actions' viewer does): a colour a line leaves open does not
 * bleed into the next, so any line can be drawn alone, which a virtualised list needs.
 */
export function parseAnsi(line: string): AnsiSegment[] {
  if (!NEEDS_TOKENIZING.test(line)) return line === '' ? [] : [{ text: line, style: PLAIN }];
  const segments: AnsiSegment[] = [];
  let state: AnsiState = {};
  tokenize(
    line,
    (run) => {
      const style = styleFor(state);
      const last = segments[segments.length - 1];
      if (last && last.style === style) segments[segments.length - 1] = { text: last.text + run, style };
      else segments.push({ text: run, style });
    },
    (params) => {
      state = applySgr(state, params);
    },
  );
  return segments;
}

/**
 * What `tokenize` drops, as one native regex: CSI (parameters, then any one final character),
 * OSC (up to BEL, ST or the end), any other two-character escape, and control characters
 * other than tab. The unit tests check `plainText` against `parseAnsi` on random input.
 */
// eslint-disable-next-line no-control-regex -- escape and control characters are exactly what is removed
const DROPPED = /\u001b\[[\u0020-\u003f]*[\s\S]?|\u001b\][\s\S]*?(?:\u0007|\u001b\\|$)|\u001b[\s\S]?|[\u0000-\u0008\u000a-\u001a\u001c-\u001f\u007f]/g;

/** The text a reader sees: what `parseAnsi` shows, without the codes. Called for every line that arrives, so kept native-fast. */
export function plainText(line: string): string {
  if (!NEEDS_TOKENIZING.test(line)) return line;
  const cr = line.lastIndexOf('\r', line.length - 2);
  return (cr >= 0 && cr < line.length - 1 ? line.slice(cr + 1) : line).replace(DROPPED, '');
}
