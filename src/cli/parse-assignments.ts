import { readFileSync } from 'node:fs';
import { UsageError } from '../core/index.js';
import { parseCommandFile } from '../engine/index.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--var NAME=VALUE` / `--secret NAME=VALUE`, repeated. */
export function parseAssignments(flag: string, values: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const text of values) {
    const eq = text.indexOf('=');
    const name = eq < 0 ? text : text.slice(0, eq);
    if (eq < 0 || !NAME.test(name)) {
      // Never echo the value: it may be a secret.
      throw new UsageError(`${flag} expects NAME=VALUE with NAME made of letters, digits and _ (got "${name}...")`);
    }
    result[name] = text.slice(eq + 1);
  }
  return result;
}

/**
 * `--input NAME=VALUE`, repeated: a GitHub workflow's `workflow_dispatch` inputs. GitHub's input
 * names may hold dashes, which `--var` names may not, so any name without `=` goes; the
 * workflow (locally) or the server checks names, types and choices.
 */
export function parseInputs(values: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const text of values) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input expects NAME=VALUE, got "${text}"`);
    inputs[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return inputs;
}

/**
 * A secrets file holds `NAME=VALUE` lines and, for multi-line values, the heredoc form
 * `NAME<<EOF` … `EOF` — the same format steps write to `$DEPLOYLITE_ENV`. Blank lines and
 * lines starting with `#` are ignored.
 */
export function readSecretsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    throw new UsageError(`--secrets-file ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`);
  }
  const { values, problems } = parseCommandFile(withoutComments(text));
  if (problems.length > 0) throw new UsageError(`--secrets-file ${file}: ${problems.join('; ')}`);
  for (const name of Object.keys(values)) {
    if (!NAME.test(name)) throw new UsageError(`--secrets-file ${file}: invalid secret name "${name}"`);
  }
  return values;
}

/** Drops blank and `#` lines outside heredoc values (inside one they are part of the value). */
function withoutComments(text: string): string {
  const kept: string[] = [];
  let delimiter: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (delimiter !== undefined) {
      kept.push(line);
      if (line === delimiter) delimiter = undefined;
      continue;
    }
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const heredoc = /^[^=]*<<(.+)$/.exec(line);
    if (heredoc) delimiter = heredoc[1];
    kept.push(line);
  }
  return kept.join('\n');
}
