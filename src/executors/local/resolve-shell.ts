/** How to run a step's script: the program and its arguments, where `{0}` stands for the script file. */
export interface ShellCommand {
  readonly program: string;
  readonly args: readonly string[];
  /** The shell as the step wrote it, for messages. */
  readonly shell: string;
  /** The script file's extension; some interpreters (pwsh, cmd) insist on theirs. */
  readonly extension: string;
}

/** Host programs the built-in shells need, looked up once per executor. */
export interface ShellPrograms {
  /** Absolute path of bash, or undefined when it is not installed. */
  bash(): Promise<string | undefined>;
  /** Absolute path of python3, else of python, else undefined. */
  python(): Promise<string | undefined>;
}

/** The program and arguments that run `scriptFile`. */
export function shellArgv(command: ShellCommand, scriptFile: string): [string, string[]] {
  const fill = (word: string) => word.replaceAll('{0}', scriptFile);
  return [fill(command.program), command.args.map(fill)];
}

const BASH_ARGS = ['--noprofile', '--norc', '-eo', 'pipefail', '{0}'];
const SH_ARGS = ['-e', '{0}'];
const EXTENSIONS: Readonly<Record<string, string>> = { pwsh: '.ps1', powershell: '.ps1', cmd: '.cmd', python: '.py' };

/**
 * The command for a step's `shell`, as GitHub Actions defines them: none → `bash --noprofile --norc -eo pipefail {0}`
 * when bash is installed, else `sh -e {0}`; `bash` → the same bash command (an error without bash); `sh` →
 * `sh -e {0}`; `python` → `python3 {0}` (or `python {0}`); anything else is a command template holding `{0}`, split
 * on whitespace, or a single program name, which gets ` {0}` appended. A string result is the message for the user.
 */
export async function resolveShell(shell: string | undefined, programs: ShellPrograms): Promise<ShellCommand | string> {
  if (shell === undefined || shell === 'bash') {
    const bash = await programs.bash();
    if (bash !== undefined) return { program: bash, args: BASH_ARGS, shell: shell ?? 'bash', extension: '.sh' };
    if (shell === 'bash') return 'shell "bash" not found';
    return { program: 'sh', args: SH_ARGS, shell: 'sh', extension: '.sh' };
  }
  if (shell === 'sh') return { program: 'sh', args: SH_ARGS, shell, extension: '.sh' };
  if (shell === 'python') {
    const python = await programs.python();
    if (python === undefined) return 'shell "python" not found (looked for python3 and python)';
    return { program: python, args: ['{0}'], shell, extension: '.py' };
  }
  const words = shell.trim().split(/\s+/).filter((word) => word !== '');
  const [program, ...rest] = words;
  if (program === undefined) return 'shell is empty';
  const extension = EXTENSIONS[programName(program)] ?? '.sh';
  if (words.some((word) => word.includes('{0}'))) return { program, args: rest, shell, extension };
  if (rest.length === 0) return { program, args: ['{0}'], shell, extension };
  return `shell "${shell}" must contain {0} where the script file goes, or be a single program name`;
}

/** The program of a command, without its directory or extension: `/usr/bin/pwsh.exe` → `pwsh`. */
function programName(program: string): string {
  return (program.split('/').at(-1) ?? program).replace(/\.exe$/i, '');
}
