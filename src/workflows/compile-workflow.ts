import type { MappingToken } from '@actions/workflow-parser/templates/tokens/index';
import { convertWorkflowTemplate, isMapping, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { Diagnostic } from '../core/index.js';
import { sortDiagnostics } from '../core/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { WorkflowFacts } from './map-workflow.js';
import { ActionResolver } from './actions/resolve-action.js';
import type { ActionSources } from './actions/step-actions.js';
import { mapWorkflow } from './map-workflow.js';
import { parserErrorPosition } from './parser-errors.js';
import { WorkflowReport } from './workflow-report.js';

export interface WorkflowCompileOptions {
  /**
   * Where `uses:` actions are read from (the checkout, the local action store). Absent: only the built-in actions
   * (actions/checkout, setup-node, cache, upload-artifact, download-artifact); any other is reported as unsupported.
   */
  readonly actions?: ActionSources;
}

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
export async function compileWorkflow(source: string, file: string, options: WorkflowCompileOptions = {}): Promise<WorkflowCompileResult> {
  const report = new WorkflowReport(file);
  try {
    const parsed = parseWorkflow({ name: file, content: source }, new NoOperationTraceWriter());
    // Conversion adds the checks across jobs (needs, cycles, ids); with parse errors it returns them alone.
    const template = parsed.value ? await convertWorkflowTemplate(parsed.context, parsed.value) : undefined;
    for (const error of parsed.context.errors.getErrors()) {
      report.diagnostics.push({ code: 'workflow.invalid', message: error.rawMessage, severity: 'error', file, ...parserErrorPosition(error) });
    }
    if (!template || !parsed.value || !isMapping(parsed.value)) {
      if (!report.hasErrors()) report.error('workflow.invalid', 'the workflow file is empty', undefined);
      return { diagnostics: sortDiagnostics(report.diagnostics) };
    }
    // Mapped also when GitHub's parser found errors, so unsupported features show in the same report.
    const actions = options.actions ? new ActionResolver(options.actions) : undefined;
    const { pipeline, facts } = mapWorkflow(report, parsed.value as MappingToken, template, actions);
    const diagnostics = sortDiagnostics(report.diagnostics);
    return pipeline && !report.hasErrors() ? { pipeline, facts, diagnostics } : { facts, diagnostics };
  } catch (thrown) {
    // A bug of ours or of the parser must not hide the user's diagnostics nor crash the CLI.
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    report.error('workflow.internal', `internal error while reading the workflow: ${reason}`, undefined);
    return { diagnostics: sortDiagnostics(report.diagnostics) };
  }
}
