import { coerceError, UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { changeOwnPassword, logIn, logOut, whoami } from './api-calls.js';
import { ApiError } from './api-errors.js';
import type { GlobalFlags } from './command-support.js';
import { connectionClient, connectionOf, createClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';
import { readSavedLogin, removeSavedLogin, saveLogin } from './saved-login.js';
import { parsePasswordPair, readPassword } from './secret-input.js';
import { SessionEndedError, sessionLogin } from './session-credentials.js';

/**
 * `deployctl logout`: ends the saved session on the server, then forgets the saved login.
 * The local credentials go even when the server cannot be reached: whoever runs logout wants
 * them off this machine.
 */
export async function logoutCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const saved = readSavedLogin(ctx.configPath);
  if (!saved) {
    if (flags.json) printJson(ctx, { loggedOut: false });
    else ctx.stdout.write(`not logged in (no saved login in ${ctx.configPath})\n`);
    return EXIT.success;
  }
  let problem: string | undefined;
  if (saved.session) {
    try {
      await logOut(connectionClient(ctx, { server: saved.server, token: saved.token, session: saved.session }));
    } catch (thrown) {
      // A session that already ended (expired, logged out elsewhere) is what logout wants.
      const ended = thrown instanceof SessionEndedError || (thrown instanceof ApiError && thrown.status === 401);
      if (!ended) problem = coerceError(thrown).message;
    }
  }
  removeSavedLogin(ctx.configPath);
  if (problem !== undefined && saved.session) {
    ctx.stderr.write(
      `deployctl: removed the saved login, but could not end the session on the server (${problem}); ` +
        `it stays usable by anyone holding its tokens until ${formatTime(saved.session.refreshTokenExpiresAt)} UTC\n`,
    );
    return EXIT.failed;
  }
  if (flags.json) printJson(ctx, { server: saved.server, loggedOut: true, sessionEnded: saved.session !== undefined });
  else if (saved.session) ctx.stdout.write(`logged out of ${saved.server} (session ended, saved login removed)\n`);
  else ctx.stdout.write(`removed the saved login for ${saved.server}; the token itself stays valid until revoked (deployctl tokens revoke ID)\n`);
  return EXIT.success;
}

/** `deployctl whoami`: who the credential acts as, whether an admin, and the project roles. */
export async function whoamiCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const connection = connectionOf(ctx, flags);
  const { value, raw } = await whoami(connectionClient(ctx, connection));
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  const roles = Object.entries(value.projects ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const credential = value.username && value.name === value.username ? value.kind : `${value.kind} "${printable(value.name)}"`;
  ctx.stdout.write(
    [
      `user        ${value.username ? printable(value.username) : '-'}`,
      `admin       ${value.isAdmin === undefined ? '-' : value.isAdmin ? 'yes' : 'no'}`,
      `credential  ${credential}`,
      `server      ${connection.server}`,
      '',
    ].join('\n'),
  );
  if (roles.length === 0) ctx.stdout.write(value.isAdmin ? 'projects    none as a member (an admin sees every project)\n' : 'projects    none\n');
  else ctx.stdout.write(formatTable(['PROJECT', 'ROLE'], roles.map(([project, role]) => [printable(project), role])));
  return EXIT.success;
}

export interface PasswordFlags extends GlobalFlags {
  readonly passwordStdin?: boolean;
}

/**
 * `deployctl password`: changes your own password. The server then ends every session of
 * yours; when the saved login is one of them, deployctl signs in again with the new password.
 */
export async function changePasswordCommand(ctx: DeployctlContext, flags: PasswordFlags): Promise<number> {
  const connection = connectionOf(ctx, flags);
  const client = connectionClient(ctx, connection);
  const { currentPassword, newPassword } = flags.passwordStdin ? parsePasswordPair(await ctx.input.readAll()) : await askForPasswords(ctx);
  try {
    await changeOwnPassword(client, currentPassword, newPassword);
  } catch (thrown) {
    if (!(thrown instanceof ApiError && thrown.field === 'currentPassword')) throw thrown;
    ctx.stderr.write('deployctl: the current password is wrong; the password was not changed\n');
    return EXIT.failed;
  }
  const session = connection.session;
  let signedInAgain = false;
  if (session) {
    try {
      const tokens = (await logIn(createClient(ctx, connection.server), session.username, newPassword)).value;
      saveLogin(ctx.configPath, sessionLogin(connection.server, tokens));
      signedInAgain = true;
    } catch {
      removeSavedLogin(ctx.configPath);
    }
  }
  if (flags.json) printJson(ctx, { changed: true, signedInAgain });
  else if (signedInAgain) ctx.stdout.write('password changed; every session of yours was signed out, and this one signed in again\n');
  else if (session) ctx.stdout.write(`password changed; every session of yours was signed out: log in again with \`deployctl login --user ${session.username}\`\n`);
  else ctx.stdout.write('password changed; every session of yours was signed out\n');
  return EXIT.success;
}

async function askForPasswords(ctx: DeployctlContext): Promise<{ currentPassword: string; newPassword: string }> {
  if (!ctx.input.isTerminal) throw new UsageError('no terminal to ask for the passwords: pipe the current and the new one in, one a line, and pass --password-stdin');
  const currentPassword = await readPassword(ctx.input, { fromStdin: false, prompt: 'Current password: ' });
  const newPassword = await readPassword(ctx.input, { fromStdin: false, prompt: 'New password: ', confirm: true });
  return { currentPassword, newPassword };
}
