import { createColors } from 'picocolors';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { createToken, listTokens } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';

export interface CreateTokenFlags extends GlobalFlags {
  readonly kind: string;
  readonly expiresIn?: string;
}

/** `deployctl tokens create NAME`: the only time the token itself is printed. */
export async function createTokenCommand(ctx: DeployctlContext, name: string, flags: CreateTokenFlags): Promise<number> {
  const { value: token, raw } = await createToken(openClient(ctx, flags), {
    name,
    kind: flags.kind,
    ...(flags.expiresIn !== undefined && { expiresIn: flags.expiresIn }),
  });
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  const expires = token.expiresAt === null ? 'never expires' : `expires ${formatTime(token.expiresAt)}`;
  ctx.stdout.write(
    `created ${token.kind} token "${token.name}" (id ${token.id}, ${expires}):\n` +
      `${token.token}\n` +
      c.yellow('store it now: it is not shown again') +
      '\n',
  );
  return EXIT.success;
}

/** `deployctl tokens list`: names and dates, never the tokens. */
export async function listTokensCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await listTokens(openClient(ctx, flags));
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.tokens.length === 0) {
    ctx.stdout.write('no tokens\n');
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  const rows = value.tokens.map((token) => [
    String(token.id),
    token.name,
    token.kind,
    formatTime(token.createdAt),
    token.expiresAt === null ? 'never' : formatTime(token.expiresAt),
    token.revokedAt === null ? c.green('active') : c.dim(`revoked ${formatTime(token.revokedAt)}`),
  ]);
  ctx.stdout.write(formatTable(['ID', 'NAME', 'KIND', 'CREATED', 'EXPIRES', 'STATE'], rows));
  return EXIT.success;
}
