import type { Node } from 'yaml';
import { isMap, isNode, isScalar } from 'yaml';
import { envNameProblem } from './identifiers.js';
import type { ServiceSpec } from './model.js';
import type { ReadContext } from './read-context.js';
import type { Entry } from './read-mapping.js';
import { entriesByKey, keyText, readEntries } from './read-mapping.js';
import { readDuration, readInteger, readText, readTextList, readTextMap, reportType, valueTarget } from './read-values.js';

const SERVICE_KEYS = ['image', 'env', 'ports', 'aliases', 'health-check'] as const;
/** A service's name is its host name on the run's network (RFC 1123 label). */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const HEALTH_KEYS = ['command', 'interval', 'timeout', 'retries'] as const;
const SERVICE_HINTS: Readonly<Record<string, string>> = {
  options: 'write the health check as "health-check: <command>" (docker run options are not taken)',
  volumes: 'services get no volumes; put files in the job\'s workspace',
};

/**
 * `services:` of a job, as GitHub Actions has them: side containers (a database, a cache) on the run's network,
 * reachable by their name and `aliases`, started and healthy before the first step.
 *
 *   services:
 *     db:
 *       image: postgres:16
 *       env: { POSTGRES_PASSWORD: test }
 *       aliases: [database]
 *       health-check: pg_isready -U postgres        # or { command, interval: 1s, timeout: 5s, retries: 60 }
 *       ports: ['5432']                             # accepted and ignored: nothing is published on the host
 *
 * Values are fixed text: the engine starts services before it evaluates any expression.
 */
export function readServices(ctx: ReadContext, entry: Entry): ServiceSpec[] | undefined {
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a mapping of service names to services');
  const services: ServiceSpec[] = [];
  let valid = true;
  for (const item of readEntries(ctx, entry.value)) {
    if (!HOST_NAME.test(item.key)) {
      ctx.report.error('pipeline.invalid-id', `invalid service name ${JSON.stringify(item.key)}: it is the service's host name, so letters, digits and "-" only, not at either end`, item.keyNode);
      valid = false;
      continue;
    }
    const service = readService(ctx, item);
    if (service === undefined) valid = false;
    else services.push(service);
  }
  return valid ? services : undefined;
}

function readService(ctx: ReadContext, entry: Entry): ServiceSpec | undefined {
  if (isScalar(entry.value) && typeof entry.value.value === 'string') {
    const image = readText(ctx, entry, { template: false });
    return image === undefined ? undefined : { name: entry.key, image, env: {}, aliases: [] };
  }
  if (!isMap(entry.value)) return reportType(ctx, entry, 'an image name or a mapping with "image"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: SERVICE_KEYS, hints: SERVICE_HINTS }));
  const imageEntry = fields.get('image');
  if (imageEntry === undefined) {
    ctx.report.error('pipeline.missing-key', `service "${entry.key}" needs "image"`, entry.keyNode);
    return undefined;
  }
  const image = readText(ctx, imageEntry, { template: false });
  const envEntry = fields.get('env');
  const env = envEntry ? fixedTextMap(ctx, envEntry) : {};
  const aliasesEntry = fields.get('aliases');
  const aliases = aliasesEntry ? readTextList(ctx, aliasesEntry, 'a host name or a list of them', { template: false })?.map((alias) => alias.text) : [];
  const portsEntry = fields.get('ports');
  if (portsEntry) readTextList(ctx, portsEntry, 'a port or a list of ports', { template: false });
  const healthEntry = fields.get('health-check');
  const healthCheck = healthEntry ? readHealthCheck(ctx, healthEntry) : undefined;
  if (image === undefined || env === undefined || aliases === undefined || (healthEntry && healthCheck === undefined)) return undefined;
  return { name: entry.key, image, env, aliases, ...(healthCheck ? { healthCheck } : {}) };
}

/** Service env is passed to the engine as written: an expression there would reach the container unevaluated. */
function fixedTextMap(ctx: ReadContext, entry: Entry): Record<string, string> | undefined {
  const values = readTextMap(ctx, entry, { checkName: envNameProblem });
  if (values === undefined) return undefined;
  for (const [name, value] of Object.entries(values)) {
    if (value.includes('${{')) {
      const pair = isMap(entry.value) ? entry.value.items.find((item) => keyText(item.key as Node) === name) : undefined;
      const at = pair !== undefined && isNode(pair.value) ? pair.value : valueTarget(entry);
      ctx.report.error('pipeline.invalid-value', `service env "${name}" cannot hold an expression: services start before expressions are evaluated`, at);
      return undefined;
    }
  }
  return values;
}

function readHealthCheck(ctx: ReadContext, entry: Entry): ServiceSpec['healthCheck'] | undefined {
  if (isScalar(entry.value)) {
    const command = readText(ctx, entry, { template: false });
    return command === undefined ? undefined : { command };
  }
  if (!isMap(entry.value)) return reportType(ctx, entry, 'a command or a mapping with "command"');
  const fields = entriesByKey(readEntries(ctx, entry.value, { keys: HEALTH_KEYS }));
  const commandEntry = fields.get('command');
  if (commandEntry === undefined) {
    ctx.report.error('pipeline.missing-key', '"health-check" needs "command"', entry.keyNode);
    return undefined;
  }
  const command = readText(ctx, commandEntry, { template: false });
  const interval = fields.get('interval');
  const timeout = fields.get('timeout');
  const retries = fields.get('retries');
  const intervalMs = interval ? readDuration(ctx, interval, { positive: true }) : undefined;
  const timeoutMs = timeout ? readDuration(ctx, timeout, { positive: true }) : undefined;
  const retryCount = retries ? readInteger(ctx, retries, 1) : undefined;
  if (command === undefined || (interval && intervalMs === undefined) || (timeout && timeoutMs === undefined) || (retries && retryCount === undefined)) return undefined;
  return {
    command,
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retryCount !== undefined ? { retries: retryCount } : {}),
  };
}
