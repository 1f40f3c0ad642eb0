import type { ProjectRole } from './permissions.js';

export type PrincipalKind = 'user' | 'api' | 'admin' | 'runner' | 'runner-registration';

/**
 * Who is calling, resolved once per request from its credential: a signed-in user (JWT), an
 * API token acting for a user within its scope, the bootstrap admin token, or a runner.
 * `roles` already holds the effective role per project: for an API token the lower of its
 * scope's role and its owner's role, so a token never grants more than its owner holds.
 */
export interface Principal {
  readonly kind: PrincipalKind;
  /** Shown in the audit log: the user name, `token:<name>`, `runner:<name>`, `admin-token`. */
  readonly name: string;
  readonly userId: number | null;
  readonly tokenId: number | null;
  readonly runnerId: number | null;
  /** The refresh-token family of a signed-in user (logout ends it). */
  readonly sessionId: string | null;
  readonly isAdmin: boolean;
  readonly roles: ReadonlyMap<number, ProjectRole>;
}

/** The role the principal holds on a project; an admin holds every project as owner. */
export function roleOn(principal: Principal, projectId: number): ProjectRole | undefined {
  return principal.isAdmin ? 'owner' : principal.roles.get(projectId);
}

/** Whether a list of projects (or runs across projects) should show this project to the principal. */
export function canSeeProject(principal: Principal, projectId: number): boolean {
  return roleOn(principal, projectId) !== undefined;
}

export function isPerson(principal: Principal): boolean {
  return principal.kind === 'user' || principal.kind === 'api' || principal.kind === 'admin';
}
