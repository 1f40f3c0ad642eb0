import { readFileSync, writeFileSync } from 'node:fs';
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
  writeFileSync(files.script, script, { mode: 0o700 });
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
    try {
      return readFileSync(file, 'utf8');
    } catch (thrown) {
      const code = (thrown as NodeJS.ErrnoException).code ?? 'unreadable';
      // Absent: the step wrote nothing there, the usual case.
      if (code !== 'ENOENT') warnings.push(`$${variable} could not be read (${code})`);
      return '';
    }
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
