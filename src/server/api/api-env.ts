import type { ProjectRecord } from '../../store/index.js';
import type { Action } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';

/** Per-request values the middleware sets for the routes. */
export interface ApiEnv {
  Variables: {
    /** Set on every route that is not public (guard-middleware.ts). */
    principal: Principal;
    traceId: string;
    /** The route's action from the permission table. */
    action?: Action;
    /** The project the route's target resolved to. */
    project?: ProjectRecord;
    /** How the audit log names the target (`project:web`, `run:42`). */
    resource?: string;
    denied?: boolean;
    /** Public routes name their action and actor themselves (login: the name tried). */
    auditAction?: string;
    auditActor?: string;
  };
}
