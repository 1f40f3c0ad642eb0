import { UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { whoami } from './api-calls.js';
import { ApiError } from './api-errors.js';
import type { GlobalFlags } from './command-support.js';
import { createClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { normalizeServerUrl } from './resolve-connection.js';
import { saveLogin } from './saved-login.js';

/** `deployctl login`: checks the token with the server, then saves server and token (0600). */
export async function loginCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const serverText = flags.server ?? ctx.env.server;
  const token = (flags.token ?? ctx.env.token)?.trim();
  if (!serverText?.trim() || !token) {
    throw new UsageError('login needs a server and a token: deployctl login --server URL --token TOKEN (or set DEPLOYLITE_SERVER and DEPLOYLITE_TOKEN)');
  }
  const server = normalizeServerUrl(serverText, flags.server !== undefined ? '--server' : 'DEPLOYLITE_SERVER');
  let identity;
  try {
    identity = await whoami(createClient(ctx, { server, token }));
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
