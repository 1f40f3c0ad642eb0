import { createColors } from 'picocolors';
import { UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import type { NewToken } from './api-calls.js';
import { createToken, listProjects, listTokens, revokeToken } from './api-calls.js';
import type { ApiClient } from './api-client.js';
import type { TokenScope } from './api-schemas.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, parsePositiveInteger, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';

export interface CreateTokenFlags extends GlobalFlags {
  readonly kind: string;
  /** Shorthand for --kind runner-registration. */
  readonly registration?: boolean;
  readonly expiresIn?: string;
  readonly projects?: string;
  readonly role?: string;
  readonly admin?: boolean;
}

export interface ListTokensFlags extends GlobalFlags {
  readonly all?: boolean;
}

/** `--projects web,api` → ["web", "api"]; `--projects '*'` → every project of the token's owner. */
export function parseProjectList(text: string): string[] | '*' {
  if (text.trim() === '*') return '*';
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new UsageError('--projects expects project names separated by commas, or * for all of yours');
  return names;
}

/** The request `tokens create` sends: only what was asked for, so the server's defaults apply. */
export function newTokenRequest(name: string, flags: CreateTokenFlags): NewToken {
  const kind = flags.registration ? 'runner-registration' : flags.kind;
  if (kind !== 'api' && (flags.projects !== undefined || flags.role !== undefined || flags.admin)) {
    throw new UsageError('--projects, --role and --admin are for API tokens; a registration token can only register runners');
  }
  return {
    name,
    kind,
    ...(flags.expiresIn !== undefined && { expiresIn: flags.expiresIn }),
    ...(flags.projects !== undefined && { projects: parseProjectList(flags.projects) }),
    ...(flags.role !== undefined && { role: flags.role }),
    ...(flags.admin && { admin: true }),
  };
}

/** `deployctl tokens create NAME`: the only time the token itself is printed. */
export async function createTokenCommand(ctx: DeployctlContext, name: string, flags: CreateTokenFlags): Promise<number> {
  const request = newTokenRequest(name, flags);
  const { value: token, raw } = await createToken(openClient(ctx, flags), request);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  const expires = token.expiresAt === null ? 'never expires' : `expires ${formatTime(token.expiresAt)}`;
  const names = Array.isArray(request.projects) ? request.projects : undefined;
  ctx.stdout.write(
    `created ${token.kind} token "${printable(token.name)}" (id ${token.id}, ${expires}):\n` +
      `${token.token}\n` +
      c.yellow('store it now: it is not shown again') +
      '\n' +
      (token.scope ? `it acts for you as ${describeScope(token.scope, (id, index) => names?.[index] ?? `#${id}`)}\n` : ''),
  );
  return EXIT.success;
}

/** `deployctl tokens list [--all]`: names, scopes and dates, never the tokens. */
export async function listTokensCommand(ctx: DeployctlContext, flags: ListTokensFlags): Promise<number> {
  const client = openClient(ctx, flags);
  const { value, raw } = await listTokens(client, flags.all === true);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.tokens.length === 0) {
    ctx.stdout.write(flags.all ? 'no tokens\n' : 'no tokens of yours (an admin sees everyone\'s with --all)\n');
    return EXIT.success;
  }
  const projectName = await projectNamesFor(client, value.tokens);
  const c = createColors(ctx.color);
  const rows = value.tokens.map((token) => [
    String(token.id),
    printable(token.name),
    ...(flags.all ? [token.owner ? printable(token.owner) : '-'] : []),
    token.kind,
    token.scope ? describeScope(token.scope, projectName) : '-',
    formatTime(token.createdAt),
    token.expiresAt === null ? 'never' : formatTime(token.expiresAt),
    token.revokedAt === null ? c.green('active') : c.dim(`revoked ${formatTime(token.revokedAt)}`),
  ]);
  const header = ['ID', 'NAME', ...(flags.all ? ['OWNER'] : []), 'KIND', 'SCOPE', 'CREATED', 'EXPIRES', 'STATE'];
  ctx.stdout.write(formatTable(header, rows));
  return EXIT.success;
}

/** `deployctl tokens revoke ID`: the token stops working at once. */
export async function revokeTokenCommand(ctx: DeployctlContext, idText: string, flags: GlobalFlags): Promise<number> {
  const id = parsePositiveInteger('a token id', idText);
  await revokeToken(openClient(ctx, flags), id);
  if (flags.json) printJson(ctx, { id, revoked: true });
  else ctx.stdout.write(`revoked token ${id}\n`);
  return EXIT.success;
}

/** `developer on web,api`, `owner on all your projects, with admin rights` */
export function describeScope(scope: TokenScope, projectName: (id: number, index: number) => string): string {
  const projects = scope.projects === '*' ? 'all your projects' : scope.projects.map((id, index) => printable(projectName(id, index))).join(',');
  return `${scope.role} on ${projects}${scope.admin ? ', with admin rights' : ''}`;
}

/** Scopes name projects by id; the names come from the project list, when a scope needs them. */
async function projectNamesFor(client: ApiClient, tokens: readonly { scope?: TokenScope | null | undefined }[]): Promise<(id: number) => string> {
  const fallback = (id: number) => `#${id}`;
  if (!tokens.some((token) => Array.isArray(token.scope?.projects))) return fallback;
  const names = new Map((await listProjects(client)).value.projects.map((project) => [project.id, project.name]));
  return (id) => names.get(id) ?? fallback(id);
}
