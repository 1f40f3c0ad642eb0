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

/**
 * Where action files are read from, by absolute path: the local filesystem for `deploylite run`, a commit of the
 * server's Git mirror (pre-read, see src/server/runs/mirror-action-files.ts) for a server. Synchronous because the
 * workflow's mapping is.
 */
export interface ActionFiles {
  isDirectory(path: string): boolean;
  /** The file's text, or undefined when there is no such file. */
  readFile(path: string): string | undefined;
}

/** Where actions come from when a workflow is compiled. */
export interface ActionSources {
  /** `uses: ./dir` is relative to this directory: the checkout's root (GITHUB_WORKSPACE). */
  readonly workspace: string;
  /** The local action store (`deploylite actions add`), for `uses: owner/repo@ref`; absent: none. */
  readonly storeDir?: string;
  /** Absent: the local filesystem. */
  readonly files?: ActionFiles;
  /**
   * How the job's steps name `workspace` when they run (in a script path, GITHUB_ACTION_PATH, github.action_path):
   * absent, the same path (`deploylite run` runs where it compiles); a server's runner has its own checkout, so
   * there it is `${{ github.workspace }}`, which the engine evaluates on the runner.
   */
  readonly workspaceAtRun?: string;
  /** Set when `owner/repo@ref` actions cannot be used at all (a server has no action store): why, for the error. */
  readonly noStoreReason?: string;
}
