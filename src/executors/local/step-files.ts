import { closeSync, constants, fstatSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The module itself rather than the engine's index: the parser is pure, and this keeps the executor from loading the
// whole engine (and the pipeline compiler behind it) at run time.
import { parseCommandFile } from '../../engine/command-file.js';

/** The files one step gets in the job's scratch directory. */
export interface StepFiles {
  readonly script: string;
  /** `$DEPLOYLITE_OUTPUT`, `$DEPLOYLITE_ENV`, `$DEPLOYLITE_PATH` (also `$GITHUB_…`); created by the step's first write. */
  readonly output: string;
  readonly env: string;
  readonly path: string;
}

export interface CommandFileResults {
  readonly outputs: Record<string, string>;
  readonly env: Record<string, string>;
  readonly path: string[];
  readonly warnings: string[];
}

/**
 * Writes step number `index`'s script and names its three command files. Fresh names per step, so a background
 * process of an earlier step that still appends to its files cannot leak into this step's results.
 */
export function writeStepFiles(dir: string, index: number, extension: string, script: string): StepFiles {
  const base = join(dir, `step-${index}`);
  const files: StepFiles = { script: `${base}${extension}`, output: `${base}.output`, env: `${base}.env`, path: `${base}.path` };
  // The command files are not created: `>>` creates them when a step writes one, and most
  // steps write none. Three file creations per step were most of the executor's overhead.
  // A new file, never through whatever is at that name: in the sandbox the job can write the scratch directory,
  // and a symlink it left there must not make the runner overwrite a file outside.
  rmSync(files.script, { force: true });
  writeFileSync(files.script, script, { mode: 0o700, flag: 'wx' });
  return files;
}

/** The variables that point a step at its command files, under DeployLite's and GitHub's names. */
export function commandFileVariables(files: StepFiles): Record<string, string> {
  return {
    DEPLOYLITE_OUTPUT: files.output,
    DEPLOYLITE_ENV: files.env,
    DEPLOYLITE_PATH: files.path,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
  };
}

/** Reads what the step wrote to its command files; malformed entries become warnings, never failures. */
export function readCommandFiles(files: StepFiles): CommandFileResults {
  const warnings: string[] = [];
  const read = (file: string, variable: string): string => {
    const text = readRegularFile(file);
    // Absent: the step wrote nothing there, the usual case.
    if (text.problem !== undefined && text.problem !== 'ENOENT') warnings.push(`$${variable} could not be read (${text.problem})`);
    return text.content;
  };
  const outputText = read(files.output, 'DEPLOYLITE_OUTPUT');
  const envText = read(files.env, 'DEPLOYLITE_ENV');
  const pathText = read(files.path, 'DEPLOYLITE_PATH');
  const outputs = parseCommandFile(outputText);
  const env = parseCommandFile(envText);
  warnings.push(...outputs.problems.map((problem) => `$DEPLOYLITE_OUTPUT ${problem}`));
  warnings.push(...env.problems.map((problem) => `$DEPLOYLITE_ENV ${problem}`));
  return { outputs: outputs.values, env: env.values, path: parsePathFile(pathText), warnings };
}

/** Command files larger than this are not read: the runner keeps them in memory. */
export const MAX_COMMAND_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A command file's text, read the way a file the job controls must be: not through a symlink (it could point at
 * a file the sandbox hides), not from a FIFO or device (the runner would block), and not beyond
 * MAX_COMMAND_FILE_BYTES.
 */
function readRegularFile(file: string): { content: string; problem?: string } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code ?? 'unreadable';
    return { content: '', problem: code === 'ELOOP' ? 'a symbolic link' : code };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { content: '', problem: 'not a regular file' };
    if (stat.size > MAX_COMMAND_FILE_BYTES) return { content: '', problem: `larger than ${MAX_COMMAND_FILE_BYTES / 1024 / 1024} MiB` };
    return { content: readFileSync(fd, 'utf8') };
  } catch (thrown) {
    return { content: '', problem: (thrown as NodeJS.ErrnoException).code ?? 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

/**
 * One directory per non-empty line, in PATH order: as in GitHub's runner, a directory added later goes in front, and
 * adding one again moves it to the front.
 */
function parsePathFile(text: string): string[] {
  const path: string[] = [];
  for (const line of text.split('\n')) {
    const dir = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (dir === '') continue;
    const existing = path.indexOf(dir);
    if (existing >= 0) path.splice(existing, 1);
    path.unshift(dir);
  }
  return path;
}
