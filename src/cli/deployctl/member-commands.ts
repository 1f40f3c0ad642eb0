import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { listMembers, removeMember, setMember } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';

/** The project roles, lowest first: each may do everything the ones before it may. */
export const PROJECT_ROLES = ['viewer', 'developer', 'maintainer', 'owner'] as const;

/** `deployctl members list PROJECT` */
export async function listMembersCommand(ctx: DeployctlContext, project: string, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await listMembers(openClient(ctx, flags), project);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.members.length === 0) {
    ctx.stdout.write(`project ${printable(project)} has no members\n`);
    return EXIT.success;
  }
  const rows = value.members.map((member) => [printable(member.username), member.role, formatTime(member.since)]);
  ctx.stdout.write(formatTable(['USER', 'ROLE', 'SINCE'], rows));
  return EXIT.success;
}

/** `deployctl members set PROJECT USER ROLE`: adds the user, or changes their role. */
export async function setMemberCommand(ctx: DeployctlContext, project: string, username: string, role: string, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await setMember(openClient(ctx, flags), project, username, role);
  if (flags.json) printJson(ctx, raw);
  else ctx.stdout.write(`${printable(value.username)} is now ${value.role} of project ${printable(project)}\n`);
  return EXIT.success;
}

/** `deployctl members remove PROJECT USER` */
export async function removeMemberCommand(ctx: DeployctlContext, project: string, username: string, flags: GlobalFlags): Promise<number> {
  await removeMember(openClient(ctx, flags), project, username);
  if (flags.json) printJson(ctx, { project, username, removed: true });
  else ctx.stdout.write(`removed ${printable(username)} from project ${printable(project)}\n`);
  return EXIT.success;
}
