import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping, isNumber } from '@actions/workflow-parser';
import type { StepSpec } from '../pipeline/index.js';
import { downloadArtifactStep, uploadArtifactStep } from './actions/artifact-steps.js';
import { cacheStep } from './actions/cache-step.js';
import type { JobFileRequests } from './actions/job-file-requests.js';
import { setupNodeStep } from './actions/setup-node-step.js';
import type { StepActions } from './actions/step-actions.js';
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

/**
 * One entry of `jobs.<id>.steps` (or of a composite action's `runs.steps`) → the engine's step; undefined when it
 * cannot run (reported). `actions` resolves `uses:` other than the built-in ones; without it they are unsupported.
 * `jobFiles` gathers what the built-in cache and artifact actions ask of the job; without it (a composite action's
 * steps) those actions are unsupported.
 */
export function mapStep(
  report: WorkflowReport,
  token: TemplateToken,
  index: number,
  defaults: RunDefaults,
  actions?: StepActions,
  jobFiles?: JobFileRequests,
): StepSpec | undefined {
  if (!isMapping(token)) return undefined; // the parser reported it
  const step: { -readonly [K in keyof StepSpec]: StepSpec[K] } = {
    index,
    env: {},
    continueOnError: false,
    with: {},
    // The runner reads workflow commands (`::set-output`, `::add-mask`…) in every step's output.
    workflowCommands: true,
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
    const uses = mapUses(report, usesToken, withToken, actions, jobFiles, step.if);
    if (uses === undefined) valid = false;
    else {
      // A built-in action's variables (its inputs) join the step's own `env:`, which they do not replace.
      Object.assign(step, uses, uses.env ? { env: { ...step.env, ...uses.env } } : {});
      // The log shows the action as written, as GitHub does ("Run actions/checkout@v4").
      step.name ??= `Run ${templateText(usesToken) ?? uses.uses}`;
    }
  }
  if (step.run !== undefined && !usesToken) {
    step.shell ??= defaults.shell ?? GITHUB_DEFAULT_SHELL;
    if (step.workingDirectory === undefined && defaults.workingDirectory !== undefined) step.workingDirectory = defaults.workingDirectory;
  }
  return valid ? step : undefined;
}

type UsesFields = Pick<StepSpec, 'uses'> & Partial<Pick<StepSpec, 'action' | 'with' | 'run' | 'shell' | 'env'>>;

/** Built-in actions that act on the job's files, by name; the versions whose inputs they implement. */
const JOB_FILE_ACTIONS = /^actions\/(cache|upload-artifact|download-artifact)@(.*)$/i;
const JOB_FILE_ACTION_VERSIONS = /^v[34](\.|$)/;

/**
 * `uses:` — `actions/checkout` (the local checkout itself), `actions/setup-node` (a check of the runner's Node.js),
 * `actions/cache` and the artifact actions (the job's cache and artifacts) are built in; any other action is
 * resolved by `actions` (local directories, the local action store).
 */
function mapUses(
  report: WorkflowReport,
  uses: TemplateToken,
  withToken: TemplateToken | undefined,
  actions: StepActions | undefined,
  jobFiles: JobFileRequests | undefined,
  stepIf: string | undefined,
): UsesFields | undefined {
  const reference = templateText(uses) ?? '';
  if (/^actions\/setup-node@/i.test(reference)) {
    const check = setupNodeStep(report, withToken);
    return check && { uses: reference, ...check };
  }
  const jobFileAction = JOB_FILE_ACTIONS.exec(reference);
  if (jobFileAction) {
    const [, name, version] = jobFileAction as unknown as [string, string, string];
    if (!JOB_FILE_ACTION_VERSIONS.test(version)) {
      report.unsupported(`uses: ${reference}`, `DeployLite's built-in actions/${name.toLowerCase()} stands for @v3 and @v4`, uses);
      return undefined;
    }
    if (!jobFiles) {
      report.unsupported(`uses: ${reference} inside a composite action`, 'it acts on the whole job (restored before its first step, saved after its last); use it in the job\'s own steps', uses);
      return undefined;
    }
    const step = jobFileStep(report, name.toLowerCase(), uses, withToken, jobFiles, stepIf);
    return step && { uses: reference, ...step };
  }
  if (!/^actions\/checkout@/i.test(reference)) {
    if (!actions) {
      report.unsupported(`uses: ${reference}`, 'actions are resolved only when a workflow is compiled for a run in its checkout', uses);
      return undefined;
    }
    const action = actions.resolve(report, uses, withToken);
    return action && { uses: reference, action, with: withInputs(withToken) };
  }
  let valid = true;
  if (withToken && isMapping(withToken)) {
    for (const { key, keyToken } of entriesOf(withToken)) {
      if (CHECKOUT_INPUTS_WITHOUT_EFFECT.has(key)) continue;
      report.unsupported(`actions/checkout input "${key}"`, 'the run works in the current checkout as it is', keyToken);
      valid = false;
    }
  }
  return valid ? { uses: LOCAL_CHECKOUT } : undefined;
}

function jobFileStep(
  report: WorkflowReport,
  name: string,
  uses: TemplateToken,
  withToken: TemplateToken | undefined,
  jobFiles: JobFileRequests,
  stepIf: string | undefined,
): Pick<StepSpec, 'run' | 'shell' | 'env'> | undefined {
  if (name === 'cache') return cacheStep(report, uses, withToken, jobFiles);
  if (name === 'upload-artifact') return uploadArtifactStep(report, uses, withToken, jobFiles, stepIf);
  return downloadArtifactStep(report, uses, withToken, jobFiles);
}

/** `with:` as input name → template. */
function withInputs(token: TemplateToken | undefined): Record<string, string> {
  const inputs: Record<string, string> = {};
  if (token && isMapping(token)) for (const { key, value } of entriesOf(token)) inputs[key] = templateText(value) ?? '';
  return inputs;
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
