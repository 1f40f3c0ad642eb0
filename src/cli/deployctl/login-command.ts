import { UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { logIn, whoami } from './api-calls.js';
import { ApiError } from './api-errors.js';
import type { GlobalFlags } from './command-support.js';
import { createClient, printJson } from './command-support.js';
import { fixedToken } from './credentials.js';
import type { DeployctlContext } from './deployctl-context.js';
import { normalizeServerUrl } from './resolve-connection.js';
import { readSavedLogin, saveLogin } from './saved-login.js';
import { readPassword } from './secret-input.js';
import { sessionLogin } from './session-credentials.js';

export interface LoginFlags extends GlobalFlags {
  readonly user?: string;
  readonly passwordStdin?: boolean;
}

/**
 * `deployctl login`: with `--user NAME`, signs in with a password (asked without echo, or
 * read from stdin) and saves the session; with `--token TOKEN`, checks the token and saves
 * it. Either way the file is written with mode 0600 and only after the server said yes.
 */
export async function loginCommand(ctx: DeployctlContext, flags: LoginFlags): Promise<number> {
  if (flags.user !== undefined) return loginWithPassword(ctx, flags, flags.user);
  if (flags.passwordStdin) throw new UsageError('--password-stdin goes with --user NAME');
  const serverText = flags.server ?? ctx.env.server;
  const token = (flags.token ?? ctx.env.token)?.trim();
  if (!serverText?.trim() || !token) {
    throw new UsageError(
      'login needs a server and a user or a token: deployctl login --server URL --user NAME, or --token TOKEN (or set DEPLOYLITE_SERVER and DEPLOYLITE_TOKEN)',
    );
  }
  const server = normalizeServerUrl(serverText, flags.server !== undefined ? '--server' : 'DEPLOYLITE_SERVER');
  let identity;
  try {
    identity = await whoami(createClient(ctx, server, fixedToken(token)));
  } catch (thrown) {
    if (thrown instanceof ApiError && thrown.status === 401) {
      ctx.stderr.write(`deployctl: the server at ${server} rejected the token; nothing was saved\n`);
      return EXIT.failed;
    }
    throw thrown;
  }
  saveLogin(ctx.configPath, { server, token });
  if (flags.json) printJson(ctx, identity.raw);
  else ctx.stdout.write(`logged in to ${server} as ${identity.value.name}\n`);
  return EXIT.success;
}

async function loginWithPassword(ctx: DeployctlContext, flags: LoginFlags, username: string): Promise<number> {
  if (flags.token !== undefined) throw new UsageError('log in with either --user NAME or --token TOKEN, not both');
  if (username.trim() === '') throw new UsageError('--user needs a user name');
  const server = serverForLogin(ctx, flags);
  const password = await readPassword(ctx.input, { fromStdin: flags.passwordStdin === true, prompt: `Password for ${username} on ${server}: ` });
  let session;
  try {
    session = (await logIn(createClient(ctx, server), username, password)).value;
  } catch (thrown) {
    if (thrown instanceof ApiError && thrown.status === 401) {
      ctx.stderr.write(`deployctl: the server at ${server} refused the login: ${thrown.message}; nothing was saved\n`);
      return EXIT.failed;
    }
    throw thrown;
  }
  // Saved before anything is printed: the refresh token is now the only way back in.
  saveLogin(ctx.configPath, sessionLogin(server, session));
  const user = { id: session.user.id, username: session.user.username, isAdmin: session.user.isAdmin };
  if (flags.json) printJson(ctx, { server, user });
  else ctx.stdout.write(`logged in to ${server} as ${user.username}${user.isAdmin ? ' (admin)' : ''}\n`);
  return EXIT.success;
}

/** --server, else DEPLOYLITE_SERVER, else the server of the saved login (signing in again). */
function serverForLogin(ctx: DeployctlContext, flags: LoginFlags): string {
  if (flags.server?.trim()) return normalizeServerUrl(flags.server, '--server');
  if (ctx.env.server?.trim()) return normalizeServerUrl(ctx.env.server, 'DEPLOYLITE_SERVER');
  const saved = readSavedLogin(ctx.configPath);
  if (!saved) throw new UsageError('login needs a server: deployctl login --server URL --user NAME (or set DEPLOYLITE_SERVER)');
  return normalizeServerUrl(saved.server, ctx.configPath);
}
