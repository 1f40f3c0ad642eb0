/** A place in a user's file: 1-based line and column, as editors and compilers print them. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/**
 * A problem found in user input (a pipeline file, later a policy). Diagnostics are
 * accumulated and reported all at once, never thrown: a user fixes every problem in one go.
 */
export interface Diagnostic {
  /** Stable dotted code, e.g. `pipeline.unknown-key`; tests and tools match on it. */
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** `FILE:LINE:COL: message`, the form editors and terminals turn into links. */
export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${d.file}:${d.line}:${d.col}: ${prefix}${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sorts by position so the report reads top to bottom like the file. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
