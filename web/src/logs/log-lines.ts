// A job's log as the viewer holds it: the lines in order, each line's plain text (for search
// and for screen readers) and, for the rows on screen, its styled segments. Plain data with
// no Vue reactivity: 100,000 reactive objects would cost more than the log itself; the page
// bumps one counter when lines are appended.
import type { AnsiSegment } from './ansi.js';
import { parseAnsi, plainText } from './ansi.js';

export interface HeldLine {
  readonly lineNo: number;
  readonly stream: 'stdout' | 'stderr' | 'system';
  readonly text: string;
}

/** Parsed segments are kept for about this many lines: a few screens' worth, re-parsed cheaply when scrolled back. */
const SEGMENT_CACHE_LINES = 5000;

export class LogLines {
  private readonly held: HeldLine[] = [];
  private readonly plain: string[] = [];
  private readonly lowered: (string | undefined)[] = [];
  private segments = new Map<number, AnsiSegment[]>();

  get length(): number {
    return this.held.length;
  }

  append(lines: readonly HeldLine[]): void {
    for (const line of lines) {
      this.held.push(line);
      this.plain.push(plainText(line.text));
    }
  }

  clear(): void {
    this.held.length = 0;
    this.plain.length = 0;
    this.lowered.length = 0;
    this.segments.clear();
  }

  line(index: number): HeldLine {
    const line = this.held[index];
    if (!line) throw new RangeError(`no log line at index ${index} (${this.held.length} held)`);
    return line;
  }

  /** The index of the line numbered `lineNo`, or -1. Lines are numbered 1, 2, 3… so this is usually direct. */
  indexOf(lineNo: number): number {
    const guess = lineNo - 1;
    if (this.held[guess]?.lineNo === lineNo) return guess;
    let low = 0;
    let high = this.held.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const at = (this.held[middle] as HeldLine).lineNo;
      if (at === lineNo) return middle;
      if (at < lineNo) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  plainText(index: number): string {
    return this.plain[index] ?? '';
  }

  /** Lower-cased plain text, computed once per line when first searched. */
  lowerText(index: number): string {
    let lower = this.lowered[index];
    if (lower === undefined) {
      lower = (this.plain[index] ?? '').toLowerCase();
      this.lowered[index] = lower;
    }
    return lower;
  }

  segmentsOf(index: number): AnsiSegment[] {
    let parsed = this.segments.get(index);
    if (!parsed) {
      if (this.segments.size >= SEGMENT_CACHE_LINES) this.segments = new Map();
      parsed = parseAnsi(this.line(index).text);
      this.segments.set(index, parsed);
    }
    return parsed;
  }
}
