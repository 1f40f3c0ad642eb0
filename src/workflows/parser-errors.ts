import type { TemplateValidationError } from '@actions/workflow-parser/templates/template-validation-error';

/**
 * Where GitHub says the error is: the `(Line: L, Col: C)` of its message prefix (the token's
 * start), which can differ from the range of the part that is wrong (an empty `${{ }}`
 * inside a longer string); else that range; else the top of the file.
 */
export function parserErrorPosition(error: TemplateValidationError): { line: number; col: number } {
  const prefixed = /\(Line: (\d+), Col: (\d+)\)$/.exec(error.prefix ?? '');
  if (prefixed) return { line: Number(prefixed[1]), col: Number(prefixed[2]) };
  return { line: error.range?.start.line ?? 1, col: error.range?.start.column ?? 1 };
}
