import type { Role, Whoami } from '../api/types';

const RANK: Readonly<Record<Role, number>> = { viewer: 0, developer: 1, maintainer: 2, owner: 3 };

/** The user's role in a project (an admin is an owner everywhere), or undefined for none. */
export function roleIn(user: Whoami | null, project: string): Role | undefined {
  if (!user) return undefined;
  return user.isAdmin ? 'owner' : user.projects[project];
}

/**
 * Whether the user may trigger, cancel and re-run runs of the project (run:trigger,
 * run:cancel, run:retry: developer or higher in docs/security.md). The dashboard only hides
 * what the server would refuse anyway.
 */
export function mayOperateRuns(user: Whoami | null, project: string): boolean {
  const role = roleIn(user, project);
  return role !== undefined && RANK[role] >= RANK.developer;
}
