import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping, isNumber } from '@actions/workflow-parser';
import type { StepSpec } from '../pipeline/index.js';
import type { RunDefaults } from './map-defaults.js';
import { conditionText, entriesOf, positionOf, templateText } from './tokens.js';
import type { WorkflowReport } from './workflow-report.js';

/** The engine's built-in step that leaves the local checkout as it is. */
const LOCAL_CHECKOUT = 'deploylite/checkout';

/**
 * `actions/checkout` inputs that change nothing for a run in the checkout it already is in.
 * Any other input (another repository, ref or path, submodules, LFS) would need a real
 * checkout, so it stops validation instead of being ignored.
 */
const CHECKOUT_INPUTS_WITHOUT_EFFECT = new Set([
  'fetch-depth', 'fetch-tags', 'persist-credentials', 'clean', 'show-progress', 'set-safe-directory', 'filter', 'token',
]);

/** GitHub's default shell on Linux when a step names none: `bash -e {0}`, without pipefail. */
export const GITHUB_DEFAULT_SHELL = 'bash -e {0}';

/** One entry of `jobs.<id>.steps` → the engine's step; undefined when it cannot run (reported). */
export function mapStep(report: WorkflowReport, token: TemplateToken, index: number, defaults: RunDefaults): StepSpec | undefined {
  if (!isMapping(token)) return undefined; // the parser reported it
  const step: { -readonly [K in keyof StepSpec]: StepSpec[K] } = {
    index,
    env: {},
    continueOnError: false,
    with: {},
    position: positionOf(token),
  };
  let valid = true;
  const unsupported = (what: string, why: string, at: TemplateToken) => {
    report.unsupported(what, why, at);
    valid = false;
  };
  let usesToken: TemplateToken | undefined;
  let withToken: TemplateToken | undefined;
  for (const { key, keyToken, value } of entriesOf(token)) {
    switch (key) {
      case 'id':
        step.id = templateText(value);
        break;
      case 'name':
        step.name = templateText(value);
        break;
      case 'if':
        step.if = conditionText(value);
        break;
      case 'run':
        step.run = templateText(value);
        break;
      case 'shell':
        step.shell = templateText(value);
        break;
      case 'working-directory':
        step.workingDirectory = templateText(value);
        break;
      case 'env': {
        const env = readEnvMapping(report, value);
        if (env) step.env = env;
        else valid = false;
        break;
      }
      case 'continue-on-error':
        if (value.isExpression) unsupported('an expression in "continue-on-error"', 'write true or false', value);
        else step.continueOnError = templateText(value) === 'true';
        break;
      case 'timeout-minutes':
        if (isNumber(value)) step.timeoutMs = minutesToMs(value.value);
        else unsupported('an expression in "timeout-minutes"', 'write a number of minutes', value);
        break;
      case 'uses':
        usesToken = value;
        break;
      case 'with':
        withToken = value;
        break;
      default:
        // background, wait, wait-all, cancel, parallel: GitHub's preview step kinds.
        unsupported(`step key "${key}"`, 'steps run one after another with "run" or "uses"', keyToken);
    }
  }
  if (usesToken) {
    const uses = mapUses(report, usesToken, withToken);
    if (uses === undefined) valid = false;
    else {
      step.uses = uses;
      // The log shows the action as written, as GitHub does ("Run actions/checkout@v4").
      step.name ??= `Run ${templateText(usesToken) ?? uses}`;
    }
  }
  if (step.run !== undefined) {
    step.shell ??= defaults.shell ?? GITHUB_DEFAULT_SHELL;
    if (step.workingDirectory === undefined && defaults.workingDirectory !== undefined) step.workingDirectory = defaults.workingDirectory;
  }
  return valid ? step : undefined;
}

/** `uses:` — only `actions/checkout`, as the local checkout itself. */
function mapUses(report: WorkflowReport, uses: TemplateToken, withToken: TemplateToken | undefined): string | undefined {
  const reference = templateText(uses) ?? '';
  if (!/^actions\/checkout@/i.test(reference)) {
    report.unsupported(`uses: ${reference}`, 'actions are not run yet; only actions/checkout is built in', uses);
    return undefined;
  }
  let valid = true;
  if (withToken && isMapping(withToken)) {
    for (const { key, keyToken } of entriesOf(withToken)) {
      if (CHECKOUT_INPUTS_WITHOUT_EFFECT.has(key)) continue;
      report.unsupported(`actions/checkout input "${key}"`, 'the run works in the current checkout as it is', keyToken);
      valid = false;
    }
  }
  return valid ? LOCAL_CHECKOUT : undefined;
}

/** `env:` values as templates; a whole `env: ${{ … }}` expression is reported (undefined). */
export function readEnvMapping(report: WorkflowReport, token: TemplateToken): Record<string, string> | undefined {
  if (!isMapping(token)) {
    report.unsupported('"env" as one expression', 'list the variables one by one', token);
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const { key, value } of entriesOf(token)) env[key] = templateText(value) ?? '';
  return env;
}

export function minutesToMs(minutes: number): number {
  return Math.round(minutes * 60_000);
}
