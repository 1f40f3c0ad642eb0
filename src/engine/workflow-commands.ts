import type { SecretMasker } from '../core/index.js';

/** What the processor does with one output line: show `text` on `stream`, or nothing (`undefined`). */
export interface ProcessedLine {
  readonly stream: 'stdout' | 'stderr' | 'system';
  readonly text: string;
}

export interface WorkflowCommandOptions {
  /** `::add-mask::` values go here; every later line of the job is masked with it. */
  readonly masker: SecretMasker;
  /** `ACTIONS_ALLOW_UNSECURE_COMMANDS=true`: `::set-env` and `::add-path` are obeyed (GitHub disables them otherwise). */
  readonly allowUnsecure: boolean;
  /** `ACTIONS_STEP_DEBUG=true`: `::debug::` messages are shown. */
  readonly debug: boolean;
  /** `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS=true`: `::stop-commands::` may take a command's name as its token. */
  readonly allowUnsecureStopTokens?: boolean;
}

/**
 * The GitHub runner's workflow commands (`::name key=value,…::message`) in a step's output
 * lines, as `ActionCommandManager` reads them: the state they change (outputs, env, path,
 * masks) and what the log shows instead of the command line. One processor per step.
 *
 * `::set-env` and `::add-path` are refused unless unsecure commands are allowed, and a refused
 * command fails the step, as on GitHub. Unknown commands are shown as written.
 */
export class WorkflowCommandProcessor {
  readonly outputs: Record<string, string> = {};
  /** `::save-state` values: a JavaScript action's later pre/main/post steps get them as `STATE_<name>`. */
  readonly state: Record<string, string> = {};
  readonly env: Record<string, string> = {};
  /** In PATH order: the directory added last comes first. */
  readonly path: string[] = [];
  /** Messages that fail the step (a refused command). */
  readonly errors: string[] = [];
  private stopToken: string | undefined;
  private warnedSetOutput = false;

  constructor(private readonly options: WorkflowCommandOptions) {}

  /** The line as the log shows it (already masked), or undefined when nothing is shown. */
  process(stream: 'stdout' | 'stderr', line: string): ProcessedLine | undefined {
    const shown = (text: string, on: ProcessedLine['stream'] = stream): ProcessedLine => ({ stream: on, text: this.options.masker.mask(text) });
    const command = parseCommand(line);
    if (this.stopToken !== undefined) {
      if (command?.name !== this.stopToken) return shown(line);
      this.stopToken = undefined;
      return undefined;
    }
    if (!command) return shown(line);
    const { name, properties, data } = command;
    switch (name) {
      case 'set-output': {
        if (properties.name) this.outputs[properties.name] = data;
        if (this.warnedSetOutput) return undefined;
        this.warnedSetOutput = true;
        return shown('warning: the `set-output` command is deprecated on GitHub; write to $GITHUB_OUTPUT', 'system');
      }
      case 'set-env':
      case 'add-path':
        if (!this.options.allowUnsecure) {
          this.errors.push(
            `the \`${name}\` command is disabled: write to $GITHUB_${name === 'set-env' ? 'ENV' : 'PATH'} instead, or set ACTIONS_ALLOW_UNSECURE_COMMANDS=true to allow it`,
          );
          return undefined;
        }
        if (name === 'add-path') this.path.unshift(data);
        else if (properties.name && SET_ENV_BLOCKED.has(properties.name.toUpperCase())) {
          this.errors.push(`the \`set-env\` command may not set ${properties.name}: it would change every later step's node (GitHub's runner refuses it too)`);
        } else if (properties.name) this.env[properties.name] = data;
        return undefined;
      case 'add-mask':
        this.options.masker.add(data.trim());
        return undefined;
      case 'stop-commands':
        // The runner's ValidateStopToken: a token that is empty or names a command could be "resumed" by accident.
        if (!this.options.allowUnsecureStopTokens && (data === '' || STOP_TOKENS_REFUSED.has(data.toLowerCase()))) {
          this.errors.push(`\`stop-commands\` needs a token that is not empty and not a command's name (got "${data}"): use a random one, or set ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS=true`);
        } else if (data !== '') this.stopToken = data;
        return undefined;
      case 'debug':
        return this.options.debug ? shown(`debug: ${data}`, 'system') : undefined;
      case 'notice':
      case 'warning':
      case 'error':
        return shown(`${name}: ${data}${locationOf(properties)}`, 'system');
      case 'group':
        return shown(`▸ ${data}`);
      case 'save-state':
        if (properties.name) this.state[properties.name] = data;
        return undefined;
      case 'endgroup':
      case 'echo':
        return undefined;
      default:
        return shown(line);
    }
  }

}

/** Names `::set-env` never sets, whatever ACTIONS_ALLOW_UNSECURE_COMMANDS says: the runner's `_setEnvBlockList`. */
const SET_ENV_BLOCKED = new Set(['NODE_OPTIONS']);

/** Tokens `::stop-commands` refuses unless allowed: the commands' names, and the runner's `pause-logging`. */
const STOP_TOKENS_REFUSED = new Set([
  'set-output', 'set-env', 'add-path', 'add-mask', 'stop-commands', 'debug', 'notice', 'warning', 'error',
  'group', 'endgroup', 'save-state', 'echo', 'add-matcher', 'remove-matcher', 'pause-logging',
]);

interface ParsedCommand {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly data: string;
}

/** `::name k=v,k2=v2::data` (leading spaces allowed, as the runner trims); undefined for any other line. */
export function parseCommand(line: string): ParsedCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const head = text.slice(2, end);
  const space = head.indexOf(' ');
  const name = space < 0 ? head : head.slice(0, space);
  if (name === '') return undefined;
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { name, properties, data: unescapeData(text.slice(end + 2)) };
}

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%25/g, '%');
}

/** ` (file:line:col)` of an annotation, when it names a file. */
function locationOf(properties: Readonly<Record<string, string>>): string {
  if (!properties.file) return '';
  const line = properties.line ? `:${properties.line}` : '';
  const col = properties.line && properties.col ? `:${properties.col}` : '';
  return ` (${properties.file}${line}${col})`;
}
