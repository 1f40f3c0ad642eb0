import { basename } from 'node:path';
import type { StepCommand } from '../../engine/index.js';
import type { ShellCommand } from '../local/resolve-shell.js';
import { resolveShell, shellArgv } from '../local/resolve-shell.js';
import type { StepFiles } from '../local/step-files.js';
import { commandFileVariables } from '../local/step-files.js';
import { SCRATCH_MOUNT } from './container-config.js';

/**
 * Runs in the container before the step's shell: changes to the working directory and picks the program. The
 * image's programs are not known on the host, so the choices GitHub Actions makes by looking at the machine (bash
 * when there is one, else `sh -e`; python3, else python) are made here, inside, at no extra round trip.
 *   $1 working directory   $2 mode: default | python | exact   $3 script   $4… the program and its arguments
 */
const STEP_WRAPPER = [
  'dir=$1; mode=$2; script=$3; shift 3',
  'cd "$dir" 2>/dev/null || { echo "deploylite: working directory $dir does not exist in the container" >&2; exit 127; }',
  'case $mode in',
  '  default) command -v "$1" >/dev/null 2>&1 || exec sh -e "$script" ;;',
  '  python) command -v "$1" >/dev/null 2>&1 || { shift; set -- python "$@"; } ;;',
  'esac',
  'command -v "$1" >/dev/null 2>&1 || { echo "deploylite: shell program \\"$1\\" not found in the image" >&2; exit 127; }',
  'exec "$@"',
].join('\n');

/**
 * What the workflows front end writes for a GitHub step without `shell` (src/workflows/map-step.ts): GitHub runs it
 * with bash when the machine has bash, else with `sh -e`, so in an image without bash (alpine, busybox) it falls
 * back as a step without `shell` does.
 */
const GITHUB_DEFAULT_SHELL = 'bash -e {0}';

/** Names the container knows: resolved inside by the wrapper, not on the host. */
const CONTAINER_PROGRAMS = { bash: async () => 'bash', python: async () => 'python3' };

export interface ContainerStep {
  readonly cmd: string[];
  readonly env: string[];
}

/** The shell for a step, or the message for the user when its `shell` is not usable. */
export async function containerShell(step: StepCommand): Promise<ShellCommand | string> {
  return resolveShell(step.shell, CONTAINER_PROGRAMS);
}

/** The exec command and environment that run a step's script file in the job container. */
export function containerStep(step: StepCommand, shell: ShellCommand, files: StepFiles, cwd: string, imagePath: string): ContainerStep {
  const inside = (hostFile: string) => `${SCRATCH_MOUNT}/${basename(hostFile)}`;
  const script = inside(files.script);
  const [program, args] = shellArgv(shell, script);
  const mode = step.shell === undefined || step.shell === GITHUB_DEFAULT_SHELL ? 'default' : step.shell === 'python' ? 'python' : 'exact';
  const commandFiles = commandFileVariables({ script, output: inside(files.output), env: inside(files.env), path: inside(files.path) });
  // From weakest to strongest, as on the local executor; the image's own variables are the base (exec inherits them).
  const env: Record<string, string> = { ...step.env, ...commandFiles };
  if (step.pathPrepend !== undefined && step.pathPrepend.length > 0) env.PATH = [...step.pathPrepend, imagePath].join(':');
  return {
    cmd: ['/bin/sh', '-c', STEP_WRAPPER, 'deploylite-step', cwd, mode, script, program, ...args],
    env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
  };
}
