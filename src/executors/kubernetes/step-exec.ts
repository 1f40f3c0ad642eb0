import type { StepCommand } from '../../engine/index.js';
import type { ShellCommand } from '../local/resolve-shell.js';
import { shellArgv } from '../local/resolve-shell.js';
import { commandFileVariables } from '../local/step-files.js';
import { POD_SCRATCH } from './job-manifest.js';

/**
 * The commands the runner execs in the job container for one step (pods/exec, see run-pod-exec.ts). Only program
 * names and paths go into the exec request's URL, which API servers write to their audit logs; the step's script and
 * env (secrets among them) travel on the exec's stdin as a boot file, read with `head -c` so that the end of stdin
 * need not be signalled (the v4 channel protocol cannot close stdin without closing the whole connection).
 */
export interface StepExec {
  /** argv of the exec that runs the step; send `payload` on its stdin. */
  readonly command: string[];
  readonly payload: Buffer;
  /** argv of an exec that sends `signal` to the step's process group. */
  kill(signal: 'TERM' | 'KILL'): string[];
  /** argv of an exec that prints the step's command files between lines starting with `marker`. */
  report(marker: string): string[];
}

/**
 * Runs in the pod (the boot file ends by exec'ing it with the step's env):
 *   $1 working directory   $2 mode: default | python | exact   $3 script file   $4… the program and its arguments
 * The step is started in a session of its own (`setsid`, in busybox and util-linux), whose id is written to a file,
 * so that a timeout or cancel can signal its whole process tree, background processes included, with one more exec,
 * and leave PID 1 (the idle loop) and other steps' leftovers alone. Its stdin is /dev/null: the exec's stdin stays open.
 */
const STEP_WRAPPER = [
  'dir=$1; mode=$2; script=$3; shift 3',
  'printf "%s" "$DEPLOYLITE_STEP_SCRIPT" > "$script"; unset DEPLOYLITE_STEP_SCRIPT',
  ': > "$DEPLOYLITE_OUTPUT"; : > "$DEPLOYLITE_ENV"; : > "$DEPLOYLITE_PATH"',
  'group_file=$DEPLOYLITE_GROUP_FILE; unset DEPLOYLITE_GROUP_FILE',
  '[ -n "$DEPLOYLITE_PATH_PREPEND" ] && PATH="$DEPLOYLITE_PATH_PREPEND:$PATH"; unset DEPLOYLITE_PATH_PREPEND',
  'if ! cd "$dir" 2>/dev/null; then echo "deploylite: working directory $dir does not exist in the pod" >&2; exit 127; fi',
  'case $mode in',
  '  default) command -v "$1" >/dev/null 2>&1 || set -- sh -e "$script" ;;',
  '  python) command -v "$1" >/dev/null 2>&1 || { shift; set -- python "$@"; } ;;',
  'esac',
  'if ! command -v "$1" >/dev/null 2>&1; then echo "deploylite: shell program \\"$1\\" not found in the image" >&2; exit 127; fi',
  'if command -v setsid >/dev/null 2>&1; then setsid "$@" </dev/null & else "$@" </dev/null & fi',
  'step=$!; echo $step > "$group_file"',
  // The shell's own notices ("Terminated") about the step are not the step's output.
  'exec 2>/dev/null',
  'wait $step',
].join('\n');

/** Writes the boot file from stdin (exactly $1 bytes) into the step's directory $2 and runs it. */
const BOOT = 'mkdir -p "$2" && head -c "$1" > "$2/boot.sh" && exec /bin/sh "$2/boot.sh"';

export interface StepExecSpec {
  /** 1 for the job's first step: names the step's directory under /deploylite. */
  readonly index: number;
  readonly step: StepCommand;
  readonly shell: ShellCommand;
  /** The working directory inside the pod. */
  readonly cwd: string;
}

export function stepExec(spec: StepExecSpec): StepExec {
  const dir = `${POD_SCRATCH}/step-${spec.index}`;
  const script = `${dir}/step${spec.shell.extension}`;
  const files = { script, output: `${dir}/output`, env: `${dir}/env`, path: `${dir}/path` };
  const group = `${dir}/group`;
  const [program, args] = shellArgv(spec.shell, script);
  const mode = spec.step.shell === undefined ? 'default' : spec.step.shell === 'python' ? 'python' : 'exact';
  const env: Record<string, string> = {
    ...spec.step.env,
    ...commandFileVariables(files),
    DEPLOYLITE_STEP_SCRIPT: spec.step.script,
    DEPLOYLITE_PATH_PREPEND: (spec.step.pathPrepend ?? []).join(':'),
    DEPLOYLITE_GROUP_FILE: group,
  };
  // `env` rather than `export`: step env names need not be shell identifiers.
  const words = ['exec', 'env', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), '/bin/sh', '-c', STEP_WRAPPER, 'deploylite-step', spec.cwd, mode, script, program, ...args];
  // The boot file holds the step's env: it removes itself first (sh keeps reading it through its open descriptor), so
  // that a later step of the job, which may not have been given these secrets, cannot read them from the pod.
  const payload = Buffer.from(`rm -f "$0"\n${words.map((word, index) => (index < 2 ? word : shellQuote(word))).join(' ')}\n`);
  return {
    command: ['/bin/sh', '-c', BOOT, 'deploylite-boot', String(payload.length), dir],
    payload,
    kill: (signal) => ['/bin/sh', '-c', `group=$(cat "$1" 2>/dev/null) && [ -n "$group" ] && kill -${signal} -"$group"`, 'deploylite-kill', group],
    report: (marker) => [
      '/bin/sh',
      '-c',
      'for name in output env path; do echo "$1 $name"; cat "$2/$name" 2>/dev/null; echo; done; echo "$1 end"',
      'deploylite-report',
      marker,
      dir,
    ],
  };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** What the report exec printed: the step's command files. */
export interface StepReport {
  readonly files: { output: string; env: string; path: string };
  /** The report's end marker was seen. */
  readonly complete: boolean;
}

/**
 * Splits the report exec's output lines into the three command files. The marker holds a per-step nonce so that a
 * file's content never looks like one.
 */
export class StepReportReader {
  private section: 'output' | 'env' | 'path' | 'before' | 'done' = 'before';
  private readonly collected = { output: [] as string[], env: [] as string[], path: [] as string[] };

  constructor(readonly marker: string) {}

  line(line: string): void {
    if (line.startsWith(`${this.marker} `)) {
      const name = line.slice(this.marker.length + 1);
      if (name === 'output' || name === 'env' || name === 'path') this.section = name;
      else if (name === 'end') this.section = 'done';
      return;
    }
    if (this.section !== 'before' && this.section !== 'done') this.collected[this.section].push(line);
  }

  report(): StepReport {
    // The report adds one newline after each file, so a file ending in one leaves an empty last line.
    const text = (lines: string[]) => {
      const joined = lines.join('\n');
      return joined === '' ? '' : `${joined}\n`;
    };
    return { files: { output: text(this.collected.output), env: text(this.collected.env), path: text(this.collected.path) }, complete: this.section === 'done' };
  }
}
