import { stripVTControlCharacters } from 'node:util';

/** Left-aligned columns separated by two spaces; widths measured without ANSI colour codes. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const visible = (text: string) => stripVTControlCharacters(text).length;
  const widths = header.map((title, column) => Math.max(visible(title), ...rows.map((row) => visible(row[column] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - visible(cell))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
