import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { deleteSecret, listSecrets, putSecret } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';
import { readSecretValue } from './secret-input.js';

export interface SecretScopeFlags extends GlobalFlags {
  readonly environment?: string;
}

/** `deployctl secrets list PROJECT`: names, scopes and who changed them; the API has no values to give. */
export async function listSecretsCommand(ctx: DeployctlContext, project: string, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await listSecrets(openClient(ctx, flags), project);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.secrets.length === 0) {
    ctx.stdout.write(`project ${printable(project)} has no secrets (add one with \`deployctl secrets set ${printable(project)} NAME\`)\n`);
    return EXIT.success;
  }
  const rows = value.secrets.map((secret) => [
    printable(secret.name),
    secret.environment === null ? '(project-wide)' : printable(secret.environment),
    formatTime(secret.updatedAt),
    printable(secret.updatedBy),
  ]);
  ctx.stdout.write(formatTable(['NAME', 'ENVIRONMENT', 'UPDATED', 'BY'], rows));
  return EXIT.success;
}

/**
 * `deployctl secrets set PROJECT NAME [--environment E]`: the value comes from stdin or a
 * prompt without echo, never from the command line, and is never printed back.
 */
export async function setSecretCommand(ctx: DeployctlContext, project: string, name: string, flags: SecretScopeFlags): Promise<number> {
  const client = openClient(ctx, flags);
  const secretValue = await readSecretValue(ctx.input, name);
  const { value, raw } = await putSecret(client, project, name, secretValue, flags.environment);
  if (flags.json) printJson(ctx, raw);
  else ctx.stdout.write(`saved secret ${printable(value.name)} of project ${printable(project)}${scopeText(value.environment)}\n`);
  return EXIT.success;
}

/** `deployctl secrets delete PROJECT NAME [--environment E]` */
export async function deleteSecretCommand(ctx: DeployctlContext, project: string, name: string, flags: SecretScopeFlags): Promise<number> {
  await deleteSecret(openClient(ctx, flags), project, name, flags.environment);
  if (flags.json) printJson(ctx, { project, name: name.toUpperCase(), environment: flags.environment ?? null, deleted: true });
  else ctx.stdout.write(`deleted secret ${printable(name.toUpperCase())} of project ${printable(project)}${scopeText(flags.environment ?? null)}\n`);
  return EXIT.success;
}

function scopeText(environment: string | null): string {
  return environment === null ? ' (project-wide)' : ` (environment ${printable(environment)})`;
}
