import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { Diagnostic } from '../core/index.js';
import { positionOf } from './tokens.js';

/**
 * Diagnostics of one workflow file. GitHub's own parser reports syntax and schema errors;
 * the mapping onto the engine adds `workflow.unsupported` (a feature DeployLite cannot run
 * yet: validation stops, never a silent skip) and warnings for settings a local run ignores.
 */
export class WorkflowReport {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: string) {}

  error(code: string, message: string, at: TemplateToken | undefined): void {
    this.diagnostics.push({ code, message, severity: 'error', file: this.file, ...positionOf(at) });
  }

  warning(code: string, message: string, at: TemplateToken | undefined): void {
    this.diagnostics.push({ code, message, severity: 'warning', file: this.file, ...positionOf(at) });
  }

  /** `what` names the feature as written in the file, e.g. `jobs.<id>.container`. */
  unsupported(what: string, why: string, at: TemplateToken | undefined): void {
    this.error('workflow.unsupported', `${what} is not supported by DeployLite yet: ${why}`, at);
  }

  hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }
}
