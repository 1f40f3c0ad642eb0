import { createColors } from 'picocolors';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { createUser, listUsers, updateUser } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';
import { readPassword } from './secret-input.js';

export interface CreateUserFlags extends GlobalFlags {
  readonly admin?: boolean;
  readonly passwordStdin?: boolean;
}

export interface SetPasswordFlags extends GlobalFlags {
  readonly passwordStdin?: boolean;
}

/** `deployctl users list` (admins) */
export async function listUsersCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await listUsers(openClient(ctx, flags));
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  const rows = value.users.map((user) => [
    printable(user.username),
    String(user.id),
    user.isAdmin ? 'yes' : 'no',
    user.disabled ? c.dim('disabled') : c.green('active'),
    formatTime(user.createdAt),
  ]);
  ctx.stdout.write(formatTable(['USER', 'ID', 'ADMIN', 'STATE', 'CREATED'], rows));
  return EXIT.success;
}

/** `deployctl users create NAME [--admin]`: the password is asked for (twice) or read from stdin. */
export async function createUserCommand(ctx: DeployctlContext, username: string, flags: CreateUserFlags): Promise<number> {
  const client = openClient(ctx, flags);
  const password = await readPassword(ctx.input, { fromStdin: flags.passwordStdin === true, prompt: `Password for ${username}: `, confirm: true });
  const { value, raw } = await createUser(client, { username, password, isAdmin: flags.admin === true });
  return printUser(ctx, flags, raw, `created ${value.isAdmin ? 'admin ' : ''}user ${printable(value.username)} (id ${value.id})`);
}

/** What `users disable|enable|make-admin|remove-admin NAME` change, and how they say it. */
export const USER_CHANGES = {
  disable: { change: { disabled: true }, done: 'disabled user %s; its sessions ended and its tokens stop working' },
  enable: { change: { disabled: false }, done: 'enabled user %s' },
  'make-admin': { change: { isAdmin: true }, done: '%s is now an admin' },
  'remove-admin': { change: { isAdmin: false }, done: '%s is no longer an admin; its sessions ended' },
} as const satisfies Record<string, { change: { disabled?: boolean; isAdmin?: boolean }; done: string }>;
export type UserChange = keyof typeof USER_CHANGES;

export async function changeUserCommand(ctx: DeployctlContext, username: string, action: UserChange, flags: GlobalFlags): Promise<number> {
  const { change, done } = USER_CHANGES[action];
  const { value, raw } = await updateUser(openClient(ctx, flags), username, change);
  return printUser(ctx, flags, raw, done.replace('%s', printable(value.username)));
}

/** `deployctl users set-password NAME`: an admin resets someone's password; their sessions end. */
export async function setUserPasswordCommand(ctx: DeployctlContext, username: string, flags: SetPasswordFlags): Promise<number> {
  const client = openClient(ctx, flags);
  const password = await readPassword(ctx.input, { fromStdin: flags.passwordStdin === true, prompt: `New password for ${username}: `, confirm: true });
  const { value, raw } = await updateUser(client, username, { password });
  return printUser(ctx, flags, raw, `set the password of ${printable(value.username)}; its sessions ended`);
}

function printUser(ctx: DeployctlContext, flags: GlobalFlags, raw: unknown, message: string): number {
  if (flags.json) printJson(ctx, raw);
  else ctx.stdout.write(`${message}\n`);
  return EXIT.success;
}
