import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping, isString } from '@actions/workflow-parser';
import type { ServiceSpec } from '../pipeline/index.js';
import { readEnvMapping } from './map-step.js';
import { entriesOf, holdsExpression, templateText } from './tokens.js';
import type { WorkflowReport } from './workflow-report.js';

/** A service's key is its host name on the run's network (RFC 1123 label), as in a native pipeline. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** `jobs.<id>.container` as the engine's job fields: the image the steps run in, and variables set in it. */
export interface JobContainer {
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * `jobs.<id>.container`: an image name, or `{ image, env, credentials, ports, volumes, options }`. The image is
 * fixed text (the executor creates the container before any expression is evaluated). `env` becomes job
 * variables below the job's own `env`, as on GitHub, where the step's `docker exec -e` values win over the
 * container's. `ports` and `credentials` change nothing the steps see (warnings); `volumes` and `options` would,
 * so they are errors. Undefined when it cannot run (reported).
 */
export function mapContainer(report: WorkflowReport, jobId: string, token: TemplateToken): JobContainer | undefined {
  if (!isMapping(token)) {
    const image = fixedImage(report, `jobs.${jobId}.container`, token);
    return image === undefined ? undefined : { image, env: {} };
  }
  let image: string | undefined;
  let env: Record<string, string> = {};
  let valid = true;
  for (const { key, keyToken, value } of entriesOf(token)) {
    switch (key) {
      case 'image':
        image = fixedImage(report, `jobs.${jobId}.container.image`, value);
        if (image === undefined) valid = false;
        break;
      case 'env': {
        const read = readEnvMapping(report, value);
        if (read) env = read;
        else valid = false;
        break;
      }
      case 'ports':
        report.warning('workflow.ignored', `jobs.${jobId}.container.ports: nothing is published on the host; the steps run inside the container and reach services by name`, keyToken);
        break;
      case 'credentials':
        report.warning('workflow.ignored', `jobs.${jobId}.container.credentials: DeployLite does not log in to registries; the image must be on the container engine or pullable without a login`, keyToken);
        break;
      case 'volumes':
        report.unsupported(`jobs.${jobId}.container.volumes`, 'job containers get the workspace only; put the files in the checkout', keyToken);
        valid = false;
        break;
      case 'options':
        if ((templateText(value) ?? '').trim() === '') break;
        report.unsupported(`jobs.${jobId}.container.options`, 'docker create options are not passed to the container engine', keyToken);
        valid = false;
        break;
      default:
        break; // the parser reported it
    }
  }
  if (image === undefined) {
    // After GitHub's own errors (an unknown key it dropped from the mapping), a missing image is not news.
    if (valid && !token.find('image') && !report.hasErrors()) report.error('workflow.invalid', `jobs.${jobId}.container needs "image"`, token);
    return undefined;
  }
  return valid ? { image, env } : undefined;
}

/**
 * `jobs.<id>.services`: side containers on the run's network, each reachable by its key as host name and started
 * (healthy, when `options` has `--health-cmd`) before the first step. `hasContainer`: the job runs in a container
 * (`container:`); without one, GitHub's steps reach services through `ports` published on localhost, which
 * DeployLite does not do, so `ports` is then an error rather than a silent change of address.
 */
export function mapServices(report: WorkflowReport, jobId: string, token: TemplateToken, hasContainer: boolean): ServiceSpec[] | undefined {
  if (!isMapping(token)) {
    report.unsupported(`jobs.${jobId}.services as one expression`, 'list the services one by one', token);
    return undefined;
  }
  const services: ServiceSpec[] = [];
  let valid = true;
  for (const { key, keyToken, value } of entriesOf(token)) {
    if (!HOST_NAME.test(key)) {
      report.unsupported(`service name ${JSON.stringify(key)}`, 'it is the service\'s host name on the run\'s network, so letters, digits and "-" only, not at either end', keyToken);
      valid = false;
      continue;
    }
    const service = mapService(report, `jobs.${jobId}.services.${key}`, key, value, hasContainer);
    if (service) services.push(service);
    else valid = false;
  }
  return valid ? services : undefined;
}

function mapService(report: WorkflowReport, where: string, name: string, token: TemplateToken, hasContainer: boolean): ServiceSpec | undefined {
  if (!isMapping(token)) {
    const image = fixedImage(report, where, token);
    return image === undefined ? undefined : { name, image, env: {}, aliases: [] };
  }
  let image: string | undefined;
  let env: Record<string, string> = {};
  let healthCheck: ServiceSpec['healthCheck'];
  let valid = true;
  for (const { key, keyToken, value } of entriesOf(token)) {
    switch (key) {
      case 'image':
        image = fixedImage(report, `${where}.image`, value);
        if (image === undefined) valid = false;
        break;
      case 'env': {
        // Services start before any expression is evaluated: an expression would reach the container as written.
        if (holdsExpression(value)) {
          report.unsupported(`an expression in ${where}.env`, 'services start before expressions are evaluated; write the values out', value);
          valid = false;
          break;
        }
        const read = readEnvMapping(report, value);
        if (read) env = read;
        else valid = false;
        break;
      }
      case 'options': {
        const health = healthCheckOf(report, where, value);
        if (health === false) valid = false;
        else healthCheck = health;
        break;
      }
      case 'ports':
        if (hasContainer) break; // the job's container reaches the service by name on the service's own port, as on GitHub
        report.unsupported(
          `${where}.ports`,
          `steps on the runner's host would reach the service on localhost, which DeployLite does not publish; run the job in a container (jobs.<id>.container) and reach the service as "${name}"`,
          keyToken,
        );
        valid = false;
        break;
      case 'credentials':
        report.warning('workflow.ignored', `${where}.credentials: DeployLite does not log in to registries; the image must be on the container engine or pullable without a login`, keyToken);
        break;
      case 'volumes':
        report.unsupported(`${where}.volumes`, 'services get no volumes', keyToken);
        valid = false;
        break;
      default:
        break; // the parser reported it
    }
  }
  if (image === undefined) {
    if (valid && !token.find('image') && !report.hasErrors()) report.error('workflow.invalid', `${where} needs "image"`, token);
    return undefined;
  }
  return valid ? { name, image, env, aliases: [], ...(healthCheck ? { healthCheck } : {}) } : undefined;
}

/**
 * An image name written out; an expression is unsupported (the container exists before expressions are evaluated).
 * A null or non-text value is GitHub's schema error, which the parser reported: undefined without a second one.
 */
function fixedImage(report: WorkflowReport, where: string, token: TemplateToken): string | undefined {
  if (token.isExpression) {
    report.unsupported(`an expression in ${where}`, 'write the image name out: the container is created before expressions are evaluated', token);
    return undefined;
  }
  if (!isString(token)) return undefined;
  if (token.value.trim() === '') {
    report.error('workflow.invalid', `${where} is empty`, token);
    return undefined;
  }
  return token.value.trim();
}

/**
 * A service's `options` (docker create flags): the `--health-*` flags become the service's health check, which the
 * executor runs in the service until it passes before the first step — what GitHub's runner waits for. Any other
 * flag is an error naming it (it would change the container in a way DeployLite does not apply). `false`: reported.
 */
function healthCheckOf(report: WorkflowReport, where: string, token: TemplateToken): ServiceSpec['healthCheck'] | false {
  const text = templateText(token);
  if (text === undefined || token.isExpression) {
    report.unsupported(`an expression in ${where}.options`, 'write the options out', token);
    return false;
  }
  const words = splitOptions(text);
  if (typeof words === 'string') {
    report.error('workflow.invalid', `${where}.options: ${words}`, token);
    return false;
  }
  let command: string | undefined;
  const timing: { intervalMs?: number; timeoutMs?: number; retries?: number } = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const eq = word.indexOf('=');
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const value = eq > 0 ? word.slice(eq + 1) : words[++i];
    const problem = (why: string) => {
      report.error('workflow.invalid', `${where}.options: ${flag} ${why}`, token);
      return false as const;
    };
    if (!HEALTH_FLAGS.has(flag)) {
      report.unsupported(`${where}.options "${flag}"`, 'only --health-cmd, --health-interval, --health-timeout and --health-retries are applied to services', token);
      return false;
    }
    if (value === undefined) return problem('needs a value');
    if (flag === '--health-cmd') command = value;
    else if (flag === '--health-retries') {
      if (!/^\d+$/.test(value)) return problem(`wants a whole number, got "${value}"`);
      timing.retries = Number(value);
    } else {
      const ms = goDurationMs(value);
      if (ms === undefined || ms <= 0) return problem(`wants a duration such as 10s or 1m30s, got "${value}"`);
      if (flag === '--health-interval') timing.intervalMs = ms;
      else timing.timeoutMs = ms;
    }
  }
  if (command === undefined) {
    if (Object.keys(timing).length > 0) {
      report.error('workflow.invalid', `${where}.options: --health-interval, --health-timeout and --health-retries need --health-cmd`, token);
      return false;
    }
    return undefined;
  }
  return { command, ...timing };
}

const HEALTH_FLAGS = new Set(['--health-cmd', '--health-interval', '--health-timeout', '--health-retries']);

/** Splits options as a POSIX shell splits words: single and double quotes, backslash escapes. A message when a quote is open. */
export function splitOptions(text: string): string[] | string {
  const words: string[] = [];
  let word = '';
  let inWord = false; // `""` is a word too
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const next = text[i + 1];
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && next !== undefined && '"\\$`'.includes(next)) word += text[++i] as string;
      else word += char;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (char === '"' || char === "'") quote = char;
      else if (char === '\\' && next !== undefined) word += text[++i] as string;
      else word += char;
    }
  }
  if (quote) return `the quote ${quote} is not closed`;
  if (inWord) words.push(word);
  return words;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Docker's (Go's) durations: `10s`, `1m30s`, `500ms`, `1.5h`. Undefined when not one. */
export function goDurationMs(text: string): number | undefined {
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g) : null;
  if (!parts) return undefined;
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(\D+)$/.exec(part) as RegExpExecArray;
    total += Number(amount) * (DURATION_UNITS[unit as string] as number);
  }
  return Math.round(total);
}
