// Which rows of a fixed-height list a scroll position shows. Pure arithmetic for the
// virtualised log: only these rows (plus a margin) are in the DOM, whatever the log's length.

export interface RowWindow {
  /** First row to draw. */
  readonly start: number;
  /** One past the last row to draw. */
  readonly end: number;
}

export function visibleRows(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan: number): RowWindow {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  return { start: Math.max(0, Math.min(count - 1, first - overscan)), end: Math.min(count, last + overscan) };
}

/** The scrollTop that shows row `index` in the middle of the viewport (clamped to the list). */
export function scrollTopToCentre(index: number, viewportHeight: number, rowHeight: number, count: number): number {
  const max = Math.max(0, count * rowHeight - viewportHeight);
  return Math.max(0, Math.min(max, index * rowHeight - (viewportHeight - rowHeight) / 2));
}

/** Whether a scroll position is at the end of the list (within one row, as a user's flick lands). */
export function isAtEnd(scrollTop: number, viewportHeight: number, scrollHeight: number, rowHeight: number): boolean {
  return scrollTop + viewportHeight >= scrollHeight - rowHeight;
}
