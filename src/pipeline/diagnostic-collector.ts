import type { Diagnostic, SourcePosition } from '../core/index.js';

/** Something a diagnostic can point at: a YAML node (its `range`) or a source offset. */
export type DiagnosticTarget = { readonly range?: readonly number[] | null } | number;

/**
 * Accumulates diagnostics for one file and turns source offsets into 1-based line and
 * column, so readers only say *what* is wrong and *which node* it is about.
 */
export class DiagnosticCollector {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    private readonly positionAt: (offset: number) => SourcePosition,
  ) {}

  error(code: string, message: string, at: DiagnosticTarget): void {
    this.add('error', code, message, at);
  }

  warning(code: string, message: string, at: DiagnosticTarget): void {
    this.add('warning', code, message, at);
  }

  position(at: DiagnosticTarget): SourcePosition {
    const offset = typeof at === 'number' ? at : (at.range?.[0] ?? 0);
    const { line, col } = this.positionAt(Math.max(0, offset));
    // A diagnostic always names a real place, even for an offset the counter cannot map.
    return { line: Math.max(1, line), col: Math.max(1, col) };
  }

  hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  private add(severity: Diagnostic['severity'], code: string, message: string, at: DiagnosticTarget): void {
    const { line, col } = this.position(at);
    this.diagnostics.push({ code, message, severity, file: this.file, line, col });
  }
}
