// Find in a job's log: case-insensitive substring over each line's plain text (colour codes
// removed), every occurrence counted, in order. Lines that arrive while a search is open are
// searched as they come (`extend`), so the count stays right on a live log. Pure.
import type { AnsiSegment, SegmentStyle } from './ansi.js';

export interface SearchableLines {
  readonly length: number;
  lowerText(index: number): string;
}

export interface LogMatch {
  /** Index of the line in the log. */
  readonly line: number;
  /** Where the match starts in the line's plain text. */
  readonly start: number;
}

export class LogSearch {
  /** Line index and start of every match, in two flat arrays: millions of matches stay cheap. */
  private readonly lineOf: number[] = [];
  private readonly startOf: number[] = [];
  private searched = 0;
  readonly needle: string;

  constructor(readonly query: string) {
    this.needle = query.toLowerCase();
  }

  get count(): number {
    return this.lineOf.length;
  }

  get length(): number {
    return this.needle.length;
  }

  /** How many lines (from the first) have been searched. */
  get searchedLines(): number {
    return this.searched;
  }

  /** Searches the lines not searched yet, or only those before `until` (a slice of a long log). */
  extend(lines: SearchableLines, until = lines.length): void {
    const end = Math.min(until, lines.length);
    if (this.needle === '') {
      this.searched = end;
      return;
    }
    for (let index = this.searched; index < end; index++) {
      const text = lines.lowerText(index);
      for (let at = text.indexOf(this.needle); at !== -1; at = text.indexOf(this.needle, at + this.needle.length)) {
        this.lineOf.push(index);
        this.startOf.push(at);
      }
    }
    this.searched = Math.max(this.searched, end);
  }

  match(ordinal: number): LogMatch | undefined {
    const line = this.lineOf[ordinal];
    const start = this.startOf[ordinal];
    return line === undefined || start === undefined ? undefined : { line, start };
  }

  /** The ordinal of the first match in `line` or after it (wrapping to 0), for "next" from a place in the log. */
  firstFrom(line: number): number {
    let low = 0;
    let high = this.lineOf.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.lineOf[middle] as number) < line) low = middle + 1;
      else high = middle;
    }
    return low === this.lineOf.length ? 0 : low;
  }

  /** The starts of the matches in one line, for highlighting it. */
  startsIn(line: number): number[] {
    const starts: number[] = [];
    for (let ordinal = this.firstFrom(line); ordinal < this.lineOf.length && this.lineOf[ordinal] === line; ordinal++) starts.push(this.startOf[ordinal] as number);
    return starts;
  }
}

/** Steps through `count` matches from `current` (-1: none chosen yet), wrapping at both ends. */
export function stepMatch(current: number, count: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}

export interface MarkedSegment {
  readonly text: string;
  readonly style: SegmentStyle;
  /** Part of a search match; `current` when it is the match the user stepped to. */
  readonly mark?: 'match' | 'current';
}

/**
 * A line's segments cut where matches start and end, so each match can be drawn as a mark
 * over whatever colours the line had. `starts` are offsets into the plain text (the segments'
 * texts joined), in order; `currentStart` is the start of the current match, if in this line.
 */
export function markMatches(segments: readonly AnsiSegment[], starts: readonly number[], length: number, currentStart?: number): MarkedSegment[] {
  if (starts.length === 0 || length === 0) return segments as MarkedSegment[];
  const out: MarkedSegment[] = [];
  let offset = 0;
  let next = 0;
  for (const segment of segments) {
    const end = offset + segment.text.length;
    let at = offset;
    while (at < end) {
      // Skip matches that ended before this point.
      while (next < starts.length && (starts[next] as number) + length <= at) next++;
      const start = starts[next];
      if (start === undefined || start >= end) {
        out.push({ text: segment.text.slice(at - offset), style: segment.style });
        break;
      }
      if (start > at) {
        out.push({ text: segment.text.slice(at - offset, start - offset), style: segment.style });
        at = start;
      }
      const stop = Math.min(end, start + length);
      out.push({ text: segment.text.slice(at - offset, stop - offset), style: segment.style, mark: start === currentStart ? 'current' : 'match' });
      at = stop;
    }
    offset = end;
  }
  return out;
}
