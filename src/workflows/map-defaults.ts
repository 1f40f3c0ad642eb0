import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping } from '@actions/workflow-parser';
import { entriesOf, templateText } from './tokens.js';

/** `defaults.run` of the workflow or a job: what a `run` step uses when it names none. */
export interface RunDefaults {
  readonly shell?: string;
  readonly workingDirectory?: string;
}

/** Reads `defaults: { run: { shell, working-directory } }`; the job's override the workflow's key by key. */
export function readRunDefaults(token: TemplateToken | undefined, inherited: RunDefaults = {}): RunDefaults {
  const run = token && isMapping(token) ? token.find('run') : undefined;
  if (!run || !isMapping(run)) return inherited;
  const defaults: { shell?: string; workingDirectory?: string } = { ...inherited };
  for (const { key, value } of entriesOf(run)) {
    const text = templateText(value);
    if (text === undefined) continue;
    if (key === 'shell') defaults.shell = text;
    if (key === 'working-directory') defaults.workingDirectory = text;
  }
  return defaults;
}
