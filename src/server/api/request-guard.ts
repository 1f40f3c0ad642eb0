import { ForbiddenError, NotFoundError } from '../../core/index.js';
import type { ControlStore, ProjectRecord } from '../../store/index.js';
import { authorize } from '../auth/authorize.js';
import type { Principal } from '../auth/principal.js';
import type { PrincipalResolver } from '../auth/resolve-principal.js';
import type { ServerMetrics } from '../metrics.js';
import { findProject } from './find-project.js';
import { parseJobId } from './present.js';
import type { RouteRule } from './route-permissions.js';

export interface GuardedRequest {
  readonly principal: Principal;
  /** The project the request is about, when its rule has a target. */
  readonly project?: ProjectRecord;
  /** How the audit log names what was acted on. */
  readonly resource: string;
}

/**
 * Authenticates a request and decides it against its route's rule, before any handler runs:
 * the target project is found from the path (a run id leads to its project), so every route
 * that takes an id is checked the same way and none can forget to (IDOR).
 */
export class RequestGuard {
  constructor(
    private readonly store: ControlStore,
    private readonly resolver: PrincipalResolver,
    private readonly metrics: ServerMetrics,
  ) {}

  async check(rule: RouteRule, authorization: string | undefined, params: Readonly<Record<string, string>>): Promise<GuardedRequest> {
    let principal: Principal;
    try {
      principal = await this.resolver.fromHeader(authorization);
    } catch (error) {
      this.metrics.unauthenticated.inc();
      throw error;
    }
    const target = rule.target ? await this.findTarget(rule, params) : undefined;
    try {
      authorize(principal, rule.action, target && { id: target.project.id, label: target.label });
    } catch (error) {
      if (error instanceof ForbiddenError || error instanceof NotFoundError) {
        this.metrics.policyDenied.inc({ action: rule.action });
        throw new DeniedError(error, principal, target?.resource ?? '');
      }
      throw error;
    }
    return { principal, ...(target ? { project: target.project } : {}), resource: target?.resource ?? '' };
  }

  private async findTarget(rule: RouteRule, params: Readonly<Record<string, string>>): Promise<{ project: ProjectRecord; label: string; resource: string }> {
    switch (rule.target) {
      case 'project': {
        const name = params[rule.param ?? 'project'] ?? '';
        const project = await findProject(this.store, name);
        if (!project) throw new NotFoundError(`project "${name}" does not exist`);
        return { project, label: `project "${name}"`, resource: `project:${project.name}` };
      }
      case 'run':
      case 'job': {
        const raw = params[rule.param ?? (rule.target === 'run' ? 'id' : 'jobId')] ?? '';
        const runId = rule.target === 'run' ? Number(raw) : parseJobId(safeDecode(raw))?.runId;
        const run = runId !== undefined && Number.isSafeInteger(runId) ? await this.store.getServerRun(runId) : undefined;
        const label = rule.target === 'run' ? `run ${raw}` : `job ${safeDecode(raw)}`;
        const project = run ? await this.store.getProject(run.projectId) : undefined;
        if (!run || !project) throw new NotFoundError(`${label} does not exist`);
        return { project, label, resource: `run:${run.id}` };
      }
      default:
        throw new Error(`unknown route target ${String(rule.target)}`);
    }
  }
}

/** A refusal by the permission table, carrying who was refused for the audit log. */
export class DeniedError extends Error {
  constructor(
    readonly refusal: ForbiddenError | NotFoundError,
    readonly principal: Principal,
    readonly resource: string,
  ) {
    super(refusal.message);
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
