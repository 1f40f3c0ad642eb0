import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { ActionSpec } from '../../pipeline/index.js';
import type { WorkflowReport } from '../workflow-report.js';

/**
 * How a step's `uses:` becomes the action the engine runs (see resolve-action.ts). Kept apart
 * from the implementation so that mapping a step and loading an action (whose composite steps
 * are mapped the same way) do not import each other.
 */
export interface StepActions {
  /** The action `uses:` names; undefined when it cannot run (reported on `report` or the action's file). */
  resolve(report: WorkflowReport, uses: TemplateToken, withToken: TemplateToken | undefined): ActionSpec | undefined;
}

/** Where actions come from when a workflow is compiled. */
export interface ActionSources {
  /** `uses: ./dir` is relative to this directory: the checkout's root (GITHUB_WORKSPACE). */
  readonly workspace: string;
  /** The local action store (`deploylite actions add`), for `uses: owner/repo@ref`; absent: none. */
  readonly storeDir?: string;
}
