import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isBoolean, isMapping, isNumber, isSequence, isString } from '@actions/workflow-parser';
import type { JobSpec, MatrixSpec, StepSpec } from '../pipeline/index.js';
import { defaultJob } from '../pipeline/index.js';
import type { RunDefaults } from './map-defaults.js';
import { readRunDefaults } from './map-defaults.js';
import { mapContainer, mapServices } from './map-container.js';
import type { StepActions } from './actions/step-actions.js';
import { emptyJobFileRequests, type JobFileRequests } from './actions/job-file-requests.js';
import { mapStep, minutesToMs, readEnvMapping } from './map-step.js';
import { conditionText, entriesOf, holdsExpression, plainValue, positionOf, templateText } from './tokens.js';
import type { WorkflowReport } from './workflow-report.js';

/** GitHub cancels a job after 360 minutes unless it sets `timeout-minutes`. */
export const GITHUB_DEFAULT_JOB_TIMEOUT_MS = 360 * 60_000;

/** Environment names the engine accepts (they are secret scopes and API path segments). */
const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Job keys that need a part of GitHub DeployLite does not have yet. */
const UNSUPPORTED_JOB_KEYS: Readonly<Record<string, string>> = {
  uses: 'reusable workflows are not run yet',
  with: 'reusable workflows are not run yet',
  secrets: 'reusable workflows are not run yet',
  snapshot: 'custom images are GitHub-hosted only',
};

/**
 * One entry of `jobs:` → the engine's job; undefined when it cannot run (reported). `jobFilesByJob` receives what its
 * built-in cache and artifact steps ask of it, for the checks across jobs (checkArtifactSteps).
 */
export function mapJob(
  report: WorkflowReport,
  id: string,
  keyToken: TemplateToken,
  token: TemplateToken,
  workflowDefaults: RunDefaults,
  actions?: StepActions,
  jobFilesByJob?: Map<string, JobFileRequests>,
): JobSpec | undefined {
  if (!isMapping(token)) return undefined; // the parser reported it
  const job = { ...defaultJob(id, positionOf(keyToken)), timeoutMs: GITHUB_DEFAULT_JOB_TIMEOUT_MS };
  let valid = true;
  const unsupported = (what: string, why: string, at: TemplateToken) => {
    report.unsupported(what, why, at);
    valid = false;
  };
  const defaults = readRunDefaults(token.find('defaults'), workflowDefaults);
  let containerEnv: Readonly<Record<string, string>> = {};
  const jobFiles = emptyJobFileRequests();
  jobFilesByJob?.set(id, jobFiles);
  for (const { key, keyToken: jobKey, value } of entriesOf(token)) {
    switch (key) {
      case 'name':
        job.name = templateText(value) ?? id;
        break;
      case 'needs':
        job.needs = (isSequence(value) ? [...value] : [value]).map((need) => templateText(need) ?? '');
        break;
      case 'if':
        job.if = conditionText(value);
        break;
      case 'env': {
        const env = readEnvMapping(report, value);
        if (env) job.env = env;
        else valid = false;
        break;
      }
      case 'outputs':
        if (isMapping(value)) job.outputs = Object.fromEntries(entriesOf(value).map((entry) => [entry.key, templateText(entry.value) ?? '']));
        break;
      case 'timeout-minutes':
        if (isNumber(value)) job.timeoutMs = minutesToMs(value.value);
        else unsupported('an expression in "timeout-minutes"', 'write a number of minutes', value);
        break;
      case 'continue-on-error':
        if (isBoolean(value)) job.continueOnError = value.value;
        else unsupported('an expression in "continue-on-error"', 'write true or false', value);
        break;
      case 'runs-on':
        job.runsOn = runnerLabels(value);
        break;
      case 'strategy':
        if (!mapStrategy(report, value, job)) valid = false;
        break;
      case 'steps':
        if (!mapSteps(report, value, job, defaults, actions, jobFiles)) valid = false;
        break;
      case 'environment':
        mapEnvironment(report, value, job);
        break;
      case 'container': {
        // Needs a container executor: `deploylite run` and runners refuse the job elsewhere (jobRequirementProblem).
        const container = mapContainer(report, id, value);
        if (container) {
          job.image = container.image;
          containerEnv = container.env;
        } else valid = false;
        break;
      }
      case 'services': {
        const services = mapServices(report, id, value, token.find('container') !== undefined);
        if (services) job.services = services;
        else valid = false;
        break;
      }
      case 'concurrency':
        // One local run is one run: a job's group could only wait for a job of the same run.
        report.warning('workflow.ignored', `job "${id}": "concurrency" is not applied to the jobs of one run`, jobKey);
        break;
      case 'cancel-timeout-minutes':
        report.warning('workflow.ignored', `job "${id}": "cancel-timeout-minutes" is not applied; a cancelled step gets the --kill-grace period`, jobKey);
        break;
      case 'defaults':
      case 'permissions':
        // defaults are read above; permissions scope GITHUB_TOKEN, which a local run has none of.
        break;
      default:
        unsupported(`jobs.${id}.${key}`, UNSUPPORTED_JOB_KEYS[key] ?? 'this key has no meaning for DeployLite yet', jobKey);
    }
  }
  if (jobFiles.cache) job.cache = jobFiles.cache.spec;
  if (jobFiles.upload) job.artifacts = jobFiles.upload.spec;
  // The container's env is below the job's (on GitHub, a step's `docker exec -e` values win over the container's);
  // GitHub sets GITHUB_JOB to the job's id in every step; a job's own env cannot replace it.
  job.env = { ...containerEnv, ...job.env, GITHUB_JOB: id };
  return valid ? job : undefined;
}

function mapSteps(
  report: WorkflowReport,
  token: TemplateToken,
  job: { steps: readonly StepSpec[] },
  defaults: RunDefaults,
  actions: StepActions | undefined,
  jobFiles: JobFileRequests,
): boolean {
  if (!isSequence(token)) return false; // the parser reported it
  const steps: StepSpec[] = [];
  let valid = true;
  [...token].forEach((item, index) => {
    const step = mapStep(report, item, index, defaults, actions, jobFiles);
    if (step) steps.push(step);
    else valid = false;
  });
  job.steps = steps;
  return valid;
}

/**
 * `runs-on` as labels, expressions kept as written: the local run is the runner whatever
 * they say, and a server matches them against its runners' labels.
 */
function runnerLabels(token: TemplateToken): string[] {
  if (isSequence(token)) return [...token].map((label) => templateText(label) ?? '');
  if (isMapping(token)) {
    const labels = token.find('labels');
    const group = token.find('group');
    return [
      ...(group ? [`group:${templateText(group) ?? ''}`] : []),
      ...(labels ? runnerLabels(labels) : []),
    ];
  }
  return [templateText(token) ?? ''];
}

/** `strategy: { matrix, fail-fast, max-parallel }`. */
function mapStrategy(report: WorkflowReport, token: TemplateToken, job: { matrix?: MatrixSpec; failFast: boolean; maxParallel?: number }): boolean {
  if (!isMapping(token)) {
    report.unsupported('"strategy" as one expression', 'write "matrix", "fail-fast" and "max-parallel" out', token);
    return false;
  }
  let valid = true;
  for (const { key, value } of entriesOf(token)) {
    if (key === 'matrix') {
      const matrix = mapMatrix(report, value);
      if (matrix) job.matrix = matrix;
      else valid = false;
    } else if (key === 'fail-fast') {
      if (isBoolean(value)) job.failFast = value.value;
      else {
        report.unsupported('an expression in "fail-fast"', 'write true or false', value);
        valid = false;
      }
    } else if (key === 'max-parallel') {
      if (isNumber(value) && value.value >= 1) job.maxParallel = Math.floor(value.value);
      else {
        report.unsupported('this "max-parallel"', 'write a positive number', value);
        valid = false;
      }
    }
  }
  return valid;
}

const INSIDE_MATRIX_WHY = 'only the whole matrix or a whole axis may be an expression (it is evaluated when the job is ready)';

/** Axes as plain values; an axis or the whole matrix may be an expression the engine evaluates when the job is ready. */
function mapMatrix(report: WorkflowReport, token: TemplateToken): MatrixSpec | undefined {
  if (!isMapping(token)) {
    const whole = templateText(token);
    return whole === undefined ? undefined : { axes: whole, include: [], exclude: [] };
  }
  const axes: Record<string, unknown> = {};
  const lists: { include: Record<string, unknown>[]; exclude: Record<string, unknown>[] } = { include: [], exclude: [] };
  let valid = true;
  for (const { key, value } of entriesOf(token)) {
    if (key === 'include' || key === 'exclude') {
      if (!isSequence(value) || ![...value].every(isMapping)) {
        report.unsupported(`matrix "${key}" as one expression`, 'list the entries', value);
        valid = false;
        continue;
      }
      if (holdsExpression(value)) {
        report.unsupported(`an expression inside matrix "${key}"`, INSIDE_MATRIX_WHY, value);
        valid = false;
        continue;
      }
      lists[key] = [...value].map((entry) => plainValue(entry) as Record<string, unknown>);
    } else {
      // GitHub's own check (its TypeScript parser misses it); the engine would only fail at run time.
      if (isSequence(value) && value.count === 0) {
        report.error('workflow.invalid', `Matrix vector '${key}' does not contain any values`, value);
        valid = false;
      }
      // The engine evaluates an axis that is one expression; inside a list or mapping the text would stay as written.
      if ((isSequence(value) || isMapping(value)) && holdsExpression(value)) {
        report.unsupported(`an expression inside matrix axis "${key}"`, INSIDE_MATRIX_WHY, value);
        valid = false;
      }
      axes[key] = plainValue(value);
    }
  }
  return valid ? { axes, ...lists } : undefined;
}

/** `environment: name` or `{ name, url }`: the name selects a server's environment secrets. */
function mapEnvironment(report: WorkflowReport, token: TemplateToken, job: { environment?: string }): void {
  const nameToken = isMapping(token) ? token.find('name') : token;
  const name = nameToken && isString(nameToken) ? nameToken.value : undefined;
  if (name !== undefined && ENVIRONMENT_NAME.test(name)) {
    job.environment = name;
    return;
  }
  report.warning('workflow.ignored', 'this "environment" is not applied: DeployLite environments have fixed lower-case names', token);
}
