import { ForbiddenError, NotFoundError } from '../../core/index.js';
import type { Action } from './permissions.js';
import { PERMISSIONS, roleAtLeast } from './permissions.js';
import type { Principal } from './principal.js';
import { isPerson, roleOn } from './principal.js';

/** The project an action is about, when it is about one: its id and a name for messages. */
export interface ProjectTarget {
  readonly id: number;
  readonly label: string;
}

/**
 * Decides one request against the permission table. Throws ForbiddenError (403) when the
 * principal may see the project but not do this, and NotFoundError (404) when it is not a
 * member at all, so that ids of other teams' projects, runs and logs cannot be probed
 * (GitHub answers 404 for private repositories in the same way).
 */
export function authorize(principal: Principal, action: Action, project?: ProjectTarget): void {
  const { requires } = PERMISSIONS[action];
  switch (requires.scope) {
    case 'user':
      if (!isPerson(principal)) throw new ForbiddenError('runner tokens can only be used by runners');
      return;
    case 'person':
      if (!isPerson(principal)) throw new ForbiddenError('runner tokens can only be used by runners');
      if (principal.kind === 'api') throw new ForbiddenError(`${action} needs a signed-in user, not an API token`);
      return;
    case 'admin':
      if (!isPerson(principal)) throw new ForbiddenError('runner tokens can only be used by runners');
      if (!principal.isAdmin) throw new ForbiddenError(`${action} needs the admin role`);
      return;
    case 'runner':
      if (principal.kind !== 'runner') throw new ForbiddenError('this needs a runner token');
      return;
    case 'runner-registration':
      if (principal.kind !== 'runner-registration') throw new ForbiddenError('this needs a runner registration token');
      return;
    case 'project': {
      if (!isPerson(principal)) throw new ForbiddenError('runner tokens can only be used by runners');
      if (!project) throw new Error(`action ${action} needs a project to be authorized against`);
      const role = roleOn(principal, project.id);
      if (role === undefined) throw new NotFoundError(`${project.label} does not exist`);
      if (!roleAtLeast(role, requires.role)) throw new ForbiddenError(`${action} on ${project.label} needs the ${requires.role} role; you are ${role}`);
      return;
    }
  }
}
