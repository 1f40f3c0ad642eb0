import type { DispatchInput } from './map-workflow.js';

/** The events a local run can imitate. */
export const LOCAL_EVENTS = ['push', 'pull_request', 'workflow_dispatch'] as const;
export type LocalEvent = (typeof LOCAL_EVENTS)[number];

/** What a local checkout tells about the run (read by read-local-checkout.ts). */
export interface CheckoutFacts {
  /** 40 hex digits; zeros outside a Git checkout. */
  readonly sha: string;
  /** The branch checked out (`main`), or undefined when HEAD is detached or there is no checkout. */
  readonly branch?: string;
  /** `owner/name`, from the `origin` remote when it has one. */
  readonly repository: string;
  readonly actor: string;
  readonly workspace: string;
}

export interface WorkflowRunFacts {
  readonly checkout: CheckoutFacts;
  readonly event: LocalEvent;
  readonly workflowName: string;
  /** The workflow file relative to the workspace, with `/` (`.github/workflows/ci.yml`). */
  readonly workflowPath: string;
  readonly runId: number;
  /** Resolved `inputs` (workflow_dispatch only; empty otherwise). */
  readonly inputs: Readonly<Record<string, string | boolean | number>>;
  /** Scratch folder of this run: RUNNER_TEMP. */
  readonly runnerTemp: string;
  readonly eventPath: string;
  readonly stepSummaryPath: string;
}

/** `refs/heads/<branch>` as GitHub sets it for pushes, pull requests (head) and dispatches. */
function refOf(checkout: CheckoutFacts): string {
  return checkout.branch === undefined ? '' : `refs/heads/${checkout.branch}`;
}

/** `owner/repo/.github/workflows/ci.yml@refs/heads/main`: GitHub's workflow_ref. */
function workflowRefOf(facts: WorkflowRunFacts): string {
  return `${facts.checkout.repository}/${facts.workflowPath}@${refOf(facts.checkout)}`;
}

/** The webhook payload GitHub would send, as much of it as a checkout can tell. */
export function eventPayload(facts: Omit<WorkflowRunFacts, 'runId'>): Record<string, unknown> {
  const { checkout } = facts;
  const [owner = '', name = ''] = checkout.repository.split('/');
  const repository = { name, full_name: checkout.repository, owner: { login: owner, name: owner } };
  const sender = { login: checkout.actor };
  const ref = refOf(checkout);
  switch (facts.event) {
    case 'push':
      return { ref, before: '0'.repeat(40), after: checkout.sha, head_commit: { id: checkout.sha }, repository, sender };
    case 'pull_request':
      return {
        action: 'opened',
        number: 0,
        pull_request: { number: 0, head: { ref: checkout.branch ?? '', sha: checkout.sha }, base: { ref: '' } },
        repository,
        sender,
      };
    case 'workflow_dispatch':
      return { ref, inputs: facts.inputs, repository, sender, workflow: facts.workflowName };
  }
}

/** The `github` context of a local run. */
export function githubContext(facts: WorkflowRunFacts): Record<string, unknown> {
  const { checkout } = facts;
  const ref = refOf(checkout);
  return {
    event_name: facts.event,
    event: eventPayload(facts),
    event_path: facts.eventPath,
    sha: checkout.sha,
    ref,
    ref_name: checkout.branch ?? '',
    ref_type: 'branch',
    head_ref: facts.event === 'pull_request' ? (checkout.branch ?? '') : '',
    base_ref: '',
    repository: checkout.repository,
    repository_owner: checkout.repository.split('/')[0] ?? '',
    actor: checkout.actor,
    triggering_actor: checkout.actor,
    workspace: checkout.workspace,
    workflow: facts.workflowName,
    workflow_ref: workflowRefOf(facts),
    workflow_sha: checkout.sha,
    run_id: String(facts.runId),
    run_number: String(facts.runId),
    run_attempt: '1',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    graphql_url: 'https://api.github.com/graphql',
    action: '',
    token: '',
    step_summary: facts.stepSummaryPath,
  };
}

/** The `runner` context: a local run is a self-hosted Linux runner. */
export function runnerContext(facts: WorkflowRunFacts): Record<string, unknown> {
  return { os: 'Linux', arch: 'X64', name: 'deploylite-local', environment: 'self-hosted', temp: facts.runnerTemp, tool_cache: facts.runnerTemp, debug: '' };
}

/** GitHub's default environment variables (docs: "Default environment variables"). */
export function defaultEnv(facts: WorkflowRunFacts): Record<string, string> {
  const { checkout } = facts;
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: checkout.actor,
    GITHUB_TRIGGERING_ACTOR: checkout.actor,
    GITHUB_EVENT_NAME: facts.event,
    GITHUB_EVENT_PATH: facts.eventPath,
    GITHUB_REF: refOf(checkout),
    GITHUB_REF_NAME: checkout.branch ?? '',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_HEAD_REF: facts.event === 'pull_request' ? (checkout.branch ?? '') : '',
    GITHUB_BASE_REF: '',
    GITHUB_REPOSITORY: checkout.repository,
    GITHUB_REPOSITORY_OWNER: checkout.repository.split('/')[0] ?? '',
    GITHUB_RUN_ID: String(facts.runId),
    GITHUB_RUN_NUMBER: String(facts.runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: checkout.sha,
    GITHUB_WORKFLOW: facts.workflowName,
    GITHUB_WORKFLOW_REF: workflowRefOf(facts),
    GITHUB_WORKFLOW_SHA: checkout.sha,
    GITHUB_WORKSPACE: checkout.workspace,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_STEP_SUMMARY: facts.stepSummaryPath,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'deploylite-local',
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_TEMP: facts.runnerTemp,
    RUNNER_TOOL_CACHE: facts.runnerTemp,
  };
}

/**
 * `--input NAME=VALUE` against `on.workflow_dispatch.inputs`: unknown names, values outside
 * a choice's options, non-boolean booleans, non-numeric numbers and missing required inputs
 * are problems; unset inputs take their defaults (booleans false, others empty when none).
 */
export function resolveInputs(
  definitions: Readonly<Record<string, DispatchInput>>,
  given: Readonly<Record<string, string>>,
): { inputs: Record<string, string | boolean | number>; problems: string[] } {
  const inputs: Record<string, string | boolean | number> = {};
  const problems: string[] = [];
  const known = Object.keys(definitions);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(definitions, name)) {
      problems.push(`unknown input "${name}" (the workflow defines: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
  }
  for (const [name, definition] of Object.entries(definitions)) {
    const text = Object.hasOwn(given, name) ? given[name] : undefined;
    if (text === undefined) {
      if (definition.required && definition.default === undefined) problems.push(`input "${name}" is required`);
      inputs[name] = definition.default ?? (definition.type === 'boolean' ? false : '');
      continue;
    }
    switch (definition.type) {
      case 'boolean':
        if (text === 'true' || text === 'false') inputs[name] = text === 'true';
        else problems.push(`input "${name}" is a boolean: give true or false, not "${text}"`);
        break;
      case 'number':
        if (text.trim() !== '' && Number.isFinite(Number(text))) inputs[name] = Number(text);
        else problems.push(`input "${name}" is a number, not "${text}"`);
        break;
      case 'choice':
        if (definition.options?.includes(text)) inputs[name] = text;
        else problems.push(`input "${name}" must be one of: ${(definition.options ?? []).join(', ')}`);
        break;
      default:
        inputs[name] = text;
    }
  }
  return { inputs, problems };
}
