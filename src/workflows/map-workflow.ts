import type { WorkflowTemplate } from '@actions/workflow-parser';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isBoolean, isMapping, isString } from '@actions/workflow-parser';
import type { ConcurrencySpec, JobSpec, Pipeline, PipelineTriggers, PullRequestType } from '../pipeline/index.js';
import { PULL_REQUEST_TYPES } from '../pipeline/index.js';
import type { StepActions } from './actions/step-actions.js';
import { readRunDefaults } from './map-defaults.js';
import { mapJob } from './map-job.js';
import { checkArtifactSteps } from './actions/artifact-steps.js';
import type { JobFileRequests } from './actions/job-file-requests.js';
import { readEnvMapping } from './map-step.js';
import { entriesOf, positionOf, templateText } from './tokens.js';
import type { WorkflowReport } from './workflow-report.js';

/** What a run needs to know of the workflow beyond the engine's model. */
export interface WorkflowFacts {
  /** Event names under `on:`, in file order. */
  readonly events: readonly string[];
  /** `on.workflow_dispatch.inputs`, for the `inputs` context. */
  readonly dispatchInputs: Readonly<Record<string, DispatchInput>>;
}

export interface DispatchInput {
  readonly type: 'string' | 'choice' | 'boolean' | 'number' | 'environment';
  readonly required: boolean;
  readonly default?: string | boolean | number;
  readonly options?: readonly string[];
}

/** GitHub's default `pull_request` activity types. */
const DEFAULT_PR_TYPES: readonly PullRequestType[] = ['opened', 'synchronize', 'reopened'];

/**
 * The parsed workflow (GitHub's template tokens, already validated against GitHub's schema)
 * → the engine's Pipeline. Features the engine cannot run are reported, never dropped.
 */
export function mapWorkflow(
  report: WorkflowReport,
  root: MappingToken,
  template: WorkflowTemplate,
  actions?: StepActions,
): { pipeline?: Pipeline; facts: WorkflowFacts } {
  const facts = workflowFacts(template);
  const workflowDefaults = readRunDefaults(root.find('defaults'));
  let env: Record<string, string> = {};
  let name: string | undefined;
  let concurrency: ConcurrencySpec | undefined;
  const jobs: JobSpec[] = [];
  let valid = true;
  for (const { key, value } of entriesOf(root)) {
    if (key === 'name') name = templateText(value);
    else if (key === 'env') {
      const read = readEnvMapping(report, value);
      if (read) env = read;
      else valid = false;
    }
    else if (key === 'concurrency') concurrency = mapConcurrency(value);
    else if (key === 'jobs' && isMapping(value)) {
      const jobFiles = new Map<string, JobFileRequests>();
      for (const entry of entriesOf(value)) {
        const job = mapJob(report, entry.key, entry.keyToken, entry.value, workflowDefaults, actions, jobFiles);
        if (job) jobs.push(job);
        else valid = false;
      }
      checkArtifactSteps(report, jobs, jobFiles);
    }
    // on: read from the converted events; run-name is a display name only; permissions scope
    // GITHUB_TOKEN, which a local run has none of; defaults are read above.
  }
  if (!valid || report.hasErrors()) return { facts };
  const pipeline: Pipeline = {
    file: report.file,
    // GitHub shows an unnamed workflow by its path.
    name: name ?? report.file,
    env,
    defaults: {},
    jobs,
    triggers: mapTriggers(template, root.find('on')),
    ...(concurrency ? { concurrency } : {}),
  };
  return { pipeline, facts };
}

function mapConcurrency(token: TemplateToken): ConcurrencySpec | undefined {
  if (!isMapping(token)) {
    const group = templateText(token);
    return group === undefined ? undefined : { group, cancelInProgress: false };
  }
  const group = token.find('group');
  const cancel = token.find('cancel-in-progress');
  const groupText = group && templateText(group);
  if (groupText === undefined) return undefined;
  return { group: groupText, cancelInProgress: cancel !== undefined && isBoolean(cancel) && cancel.value };
}

function workflowFacts(template: WorkflowTemplate): WorkflowFacts {
  const events = Object.keys(template.events ?? {});
  const dispatchInputs: Record<string, DispatchInput> = {};
  for (const [name, input] of Object.entries(template.events?.workflow_dispatch?.inputs ?? {})) {
    // The parser's enum has no `number` yet; GitHub accepts it.
    const type = (input.type as string | undefined) ?? 'string';
    dispatchInputs[name] = {
      type: (['string', 'choice', 'boolean', 'number', 'environment'].includes(type) ? type : 'string') as DispatchInput['type'],
      required: input.required ?? false,
      ...(input.default === undefined ? {} : { default: input.default }),
      ...(input.options ? { options: input.options } : {}),
    };
  }
  return { events, dispatchInputs };
}

/**
 * `on:` as far as the engine's triggers go (push branches, tags and paths, pull_request
 * branches, types and paths, schedule, workflow_dispatch). `branches-ignore: [x]` is GitHub's
 * shorthand for `branches: ['**', '!x']`; so is `paths-ignore` ("run unless every changed
 * file is ignored" is "run when some changed file is selected by `['**', '!x']`").
 */
function mapTriggers(template: WorkflowTemplate, onToken: TemplateToken | undefined): PipelineTriggers {
  const events = template.events ?? {};
  const positive = (list: string[] | undefined, ignore: string[] | undefined) =>
    list ?? (ignore ? ['**', ...ignore.map((pattern) => `!${pattern}`)] : undefined);
  const push = events.push;
  const pushBranches = push && positive(push.branches, push['branches-ignore']);
  const pushTags = push && positive(push.tags, push['tags-ignore']);
  const pushPaths = push && positive(push.paths, push['paths-ignore']);
  const pr = events.pull_request;
  const prBranches = pr && positive(pr.branches, pr['branches-ignore']);
  const prPaths = pr && positive(pr.paths, pr['paths-ignore']);
  const known = (type: string): type is PullRequestType => (PULL_REQUEST_TYPES as readonly string[]).includes(type);
  const position = positionOf(onToken);
  return {
    schedule: (events.schedule ?? []).map((entry) => ({ cron: entry.cron, position })),
    ...(push ? { push: { ...(pushBranches ? { branches: pushBranches } : {}), ...(pushTags ? { tags: pushTags } : {}), ...(pushPaths ? { paths: pushPaths } : {}) } } : {}),
    ...(pr ? { pullRequest: { ...(prBranches ? { branches: prBranches } : {}), types: pr.types ? pr.types.filter(known) : DEFAULT_PR_TYPES, ...(prPaths ? { paths: prPaths } : {}) } } : {}),
    manual: 'workflow_dispatch' in events || (onToken !== undefined && isString(onToken) && onToken.value === 'workflow_dispatch'),
  };
}
