/**
 * The event that started a server run of a GitHub workflow. It is stored with the run, so a
 * retried or recovered run sees the same `github` context as its first attempt.
 */
export interface WorkflowEvent {
  /** GitHub's event name: `push`, `pull_request`, `schedule`, `workflow_dispatch`. */
  readonly name: string;
  /** The webhook payload as the host sent it (`github.event`), or one made like GitHub's for dispatches and schedules. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly actor: string;
  /** `owner/name`. */
  readonly repository: string;
  /** Resolved `workflow_dispatch` inputs (the `inputs` context); empty for other events. */
  readonly inputs: Readonly<Record<string, string | boolean | number>>;
}

/** What a server run adds to the event to make its `github` context. */
export interface ServerWorkflowRunFacts {
  readonly event: WorkflowEvent;
  readonly runId: number;
  readonly attempt: number;
  readonly workflowName: string;
  /** The workflow file in the repository (`.github/workflows/ci.yml`). */
  readonly workflowPath: string;
  readonly sha: string;
  /** The ref the run was fetched by: `refs/heads/main`, `refs/tags/v1`, `refs/pull/7/head`, or a bare branch name. */
  readonly ref: string;
}

/**
 * Payloads above this size keep their shape but lose `commits` (GitHub's push payload lists
 * up to 20 commits with messages): the event is stored with every run.
 */
const MAX_STORED_PAYLOAD = 256 * 1024;

/** The payload to store: the host's, without its commit list when that would make it large. */
export function storedPayload(payload: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (JSON.stringify(payload).length <= MAX_STORED_PAYLOAD) return payload;
  const { commits: _dropped, ...rest } = payload;
  return rest;
}

/** Is `value` (read back from the store) a WorkflowEvent? Older runs and native pipelines have none. */
export function isWorkflowEvent(value: unknown): value is WorkflowEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return typeof event.name === 'string' && typeof event.actor === 'string' && typeof event.repository === 'string' && isRecord(event.payload) && isRecord(event.inputs);
}

/**
 * The `github` and `inputs` contexts and GitHub's default variables of a server run, from
 * the event that started it rather than from a local checkout (github-context.ts does that
 * for `deploylite run`). A pull request's ref is the host's head ref (`refs/pull/7/head`),
 * which is what the runner checks out; GitHub's own runs use the merge ref instead. What only
 * the runner's machine knows (the workspace, RUNNER_TEMP, the event file) is left empty.
 */
export function serverRunContext(facts: ServerWorkflowRunFacts): { contexts: Record<string, unknown>; env: Record<string, string> } {
  const github = serverGithubContext(facts);
  const text = (key: string) => String(github[key] ?? '');
  const env: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: text('actor'),
    GITHUB_TRIGGERING_ACTOR: text('triggering_actor'),
    GITHUB_EVENT_NAME: text('event_name'),
    GITHUB_REF: text('ref'),
    GITHUB_REF_NAME: text('ref_name'),
    GITHUB_REF_TYPE: text('ref_type'),
    GITHUB_HEAD_REF: text('head_ref'),
    GITHUB_BASE_REF: text('base_ref'),
    GITHUB_REPOSITORY: text('repository'),
    GITHUB_REPOSITORY_OWNER: text('repository_owner'),
    GITHUB_RUN_ID: text('run_id'),
    GITHUB_RUN_NUMBER: text('run_number'),
    GITHUB_RUN_ATTEMPT: text('run_attempt'),
    GITHUB_SHA: text('sha'),
    GITHUB_WORKFLOW: text('workflow'),
    GITHUB_WORKFLOW_REF: text('workflow_ref'),
    GITHUB_WORKFLOW_SHA: text('workflow_sha'),
    GITHUB_SERVER_URL: text('server_url'),
    GITHUB_API_URL: text('api_url'),
    GITHUB_GRAPHQL_URL: text('graphql_url'),
  };
  return { contexts: { github, inputs: { ...facts.event.inputs } }, env };
}

/** The `github` context of a server run (see serverRunContext). */
export function serverGithubContext(facts: ServerWorkflowRunFacts): Record<string, unknown> {
  const { event } = facts;
  const ref = fullRef(facts.ref);
  const pullRequest = isRecord(event.payload.pull_request) ? event.payload.pull_request : undefined;
  const branchOf = (side: unknown) => (isRecord(side) && typeof side.ref === 'string' ? side.ref : '');
  return {
    event_name: event.name,
    event: event.payload,
    event_path: '',
    sha: facts.sha,
    ref,
    ref_name: refName(ref),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    head_ref: pullRequest ? branchOf(pullRequest.head) : '',
    base_ref: pullRequest ? branchOf(pullRequest.base) : '',
    repository: event.repository,
    repository_owner: event.repository.split('/')[0] ?? '',
    actor: event.actor,
    triggering_actor: event.actor,
    workspace: '',
    workflow: facts.workflowName,
    workflow_ref: `${event.repository}/${facts.workflowPath}@${ref}`,
    workflow_sha: facts.sha,
    run_id: String(facts.runId),
    run_number: String(facts.runId),
    run_attempt: String(facts.attempt),
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    graphql_url: 'https://api.github.com/graphql',
    action: '',
    token: '',
  };
}

/** A ref as GitHub writes it; a bare name (a manual run's `--ref main`) is taken for a branch. */
function fullRef(ref: string): string {
  if (ref.startsWith('refs/')) return ref;
  if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(ref)) return '';
  return `refs/heads/${ref}`;
}

/** `refs/heads/a/b` → `a/b`, `refs/tags/v1` → `v1`, `refs/pull/7/head` → `7/head` (GitHub's is `7/merge`). */
function refName(ref: string): string {
  const match = /^refs\/(?:heads|tags|pull)\/(.+)$/.exec(ref);
  return match?.[1] ?? '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
