import type { TemplateValidationError } from '@actions/workflow-parser/templates/template-validation-error';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/index';
import { convertWorkflowTemplate, isMapping, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { Diagnostic } from '../core/index.js';
import { sortDiagnostics } from '../core/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { WorkflowFacts } from './map-workflow.js';
import { mapWorkflow } from './map-workflow.js';
import { WorkflowReport } from './workflow-report.js';

export interface WorkflowCompileResult {
  /** Set only when there is no error-severity diagnostic. */
  readonly pipeline?: Pipeline;
  readonly facts?: WorkflowFacts;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * GitHub Actions workflow text → the engine's Pipeline. GitHub's own parser validates the
 * file against GitHub's schema and converts it (needs, ids, matrix, expressions checked in
 * context); its messages keep GitHub's wording, with their line and column. The mapping
 * then reports what DeployLite cannot run yet. Never throws.
 */
export async function compileWorkflow(source: string, file: string): Promise<WorkflowCompileResult> {
  const report = new WorkflowReport(file);
  try {
    const parsed = parseWorkflow({ name: file, content: source }, new NoOperationTraceWriter());
    // Conversion adds the checks across jobs (needs, cycles, ids); with parse errors it returns them alone.
    const template = parsed.value ? await convertWorkflowTemplate(parsed.context, parsed.value) : undefined;
    for (const error of parsed.context.errors.getErrors()) {
      report.diagnostics.push({ code: 'workflow.invalid', message: error.rawMessage, severity: 'error', file, ...errorPosition(error) });
    }
    if (!template || !parsed.value || !isMapping(parsed.value)) {
      if (!report.hasErrors()) report.error('workflow.invalid', 'the workflow file is empty', undefined);
      return { diagnostics: sortDiagnostics(report.diagnostics) };
    }
    // Mapped also when GitHub's parser found errors, so unsupported features show in the same report.
    const { pipeline, facts } = mapWorkflow(report, parsed.value as MappingToken, template);
    const diagnostics = sortDiagnostics(report.diagnostics);
    return pipeline && !report.hasErrors() ? { pipeline, facts, diagnostics } : { facts, diagnostics };
  } catch (thrown) {
    // A bug of ours or of the parser must not hide the user's diagnostics nor crash the CLI.
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    report.error('workflow.internal', `internal error while reading the workflow: ${reason}`, undefined);
    return { diagnostics: sortDiagnostics(report.diagnostics) };
  }
}

/**
 * Where GitHub says the error is: the `(Line: L, Col: C)` of its message prefix (the token's
 * start), which can differ from the range of the part that is wrong (an empty `${{ }}`
 * inside a longer string); else that range; else the top of the file.
 */
function errorPosition(error: TemplateValidationError): { line: number; col: number } {
  const prefixed = /\(Line: (\d+), Col: (\d+)\)$/.exec(error.prefix ?? '');
  if (prefixed) return { line: Number(prefixed[1]), col: Number(prefixed[2]) };
  return { line: error.range?.start.line ?? 1, col: error.range?.start.column ?? 1 };
}
