/**
 * The one source of truth for who may do what. Every API route names one action here (see
 * route-permissions.ts); the authorization middleware, the route × role test and
 * docs/security.md all read this table, so a rule cannot drift between them.
 *
 * Project roles are ordered: each includes everything the roles below it may do, as in
 * GitLab (Guest/Reporter/Developer/Maintainer/Owner) and the handbook's 9.3.
 */
export const PROJECT_ROLES = ['viewer', 'developer', 'maintainer', 'owner'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Who an action is for: any signed-in user, a project member with at least a role, the system admin, or a runner. */
export type Requirement =
  | { readonly scope: 'user' }
  | { readonly scope: 'person' }
  | { readonly scope: 'project'; readonly role: ProjectRole }
  | { readonly scope: 'admin' }
  | { readonly scope: 'runner' }
  | { readonly scope: 'runner-registration' };

export interface Permission {
  readonly requires: Requirement;
  /** One sentence for docs/security.md. */
  readonly description: string;
}

const user = { scope: 'user' } as const;
/** A signed-in user or the admin token, not an API token: a leaked script token cannot take over its owner's account. */
const person = { scope: 'person' } as const;
const admin = { scope: 'admin' } as const;
const project = (role: ProjectRole) => ({ scope: 'project', role }) as const;

export const PERMISSIONS = {
  'session:read': { requires: user, description: 'see who you are signed in as' },
  'session:logout': { requires: user, description: 'end your own session' },
  'account:password': { requires: person, description: 'change your own password (ends your sessions)' },
  'token:manage-own': { requires: person, description: 'create, list and revoke your own API tokens (never beyond your own roles)' },
  'project:list': { requires: user, description: 'list the projects you are a member of (all of them for an admin)' },
  'project:create': { requires: user, description: 'create a project; its creator becomes its owner' },
  'project:read': { requires: project('viewer'), description: "read a project's settings (repository credentials redacted)" },
  'member:read': { requires: project('viewer'), description: "list a project's members and their roles" },
  'member:manage': { requires: project('owner'), description: 'add, change and remove project members' },
  'run:read': { requires: project('viewer'), description: 'list runs and jobs, read logs and follow them live' },
  'run:trigger': { requires: project('developer'), description: 'start a run with a ref and variables' },
  'run:cancel': { requires: project('developer'), description: 'cancel a run' },
  'run:retry': { requires: project('developer'), description: 'run a run, a job or the failed jobs again' },
  'secret:list': { requires: project('maintainer'), description: "list a project's secret names (never values)" },
  'secret:write': { requires: project('maintainer'), description: 'create, replace and delete secrets' },
  'runner:read': { requires: user, description: 'see runners, their labels, capacity and load, and their current jobs in projects you may read' },
  'runner:manage': { requires: admin, description: 'create registration tokens, pause and remove runners' },
  'user:manage': { requires: admin, description: 'create users, reset passwords, make admins, disable accounts' },
  'token:manage-all': { requires: admin, description: "list and revoke anyone's tokens" },
  'audit:read': { requires: admin, description: 'query and export the audit log' },
  'artifact:cleanup': { requires: admin, description: 'run artifact retention now, or see what it would delete (dry run)' },
  'runner:register': { requires: { scope: 'runner-registration' }, description: 'exchange a registration token for a runner token' },
  'runner:work': { requires: { scope: 'runner' }, description: 'poll for jobs, send logs and results (only for its own leases)' },
} as const satisfies Record<string, Permission>;

export type Action = keyof typeof PERMISSIONS;

export function roleAtLeast(held: ProjectRole | undefined, needed: ProjectRole): boolean {
  return held !== undefined && PROJECT_ROLES.indexOf(held) >= PROJECT_ROLES.indexOf(needed);
}

/** The lower of two roles: an API token never grants more than its owner holds. */
export function lowerRole(a: ProjectRole | undefined, b: ProjectRole | undefined): ProjectRole | undefined {
  if (a === undefined || b === undefined) return undefined;
  return PROJECT_ROLES.indexOf(a) <= PROJECT_ROLES.indexOf(b) ? a : b;
}

export function isProjectRole(value: string): value is ProjectRole {
  return (PROJECT_ROLES as readonly string[]).includes(value);
}
