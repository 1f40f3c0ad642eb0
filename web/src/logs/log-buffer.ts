// The lines of one job's log as the page holds them, whichever way they arrived (stored
// pages, then the live stream, then the stream again after a dropped connection). Pure, so
// the unit tests run it under Node.

export interface NumberedLine {
  /** 1, 2, 3… per job: the server's order and the resume cursor. */
  readonly lineNo: number;
}

/**
 * Keeps lines in order without repeats: a line numbered at or below the last one held was
 * already delivered (a page and the stream overlapping, a stream resumed from an older
 * cursor) and is dropped. Returns the lines that are new, in order.
 */
export function newLines<L extends NumberedLine>(lastHeld: number, incoming: readonly L[]): L[] {
  const fresh: L[] = [];
  let last = lastHeld;
  for (const line of incoming) {
    if (line.lineNo <= last) continue;
    fresh.push(line);
    last = line.lineNo;
  }
  return fresh;
}
