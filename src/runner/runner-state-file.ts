import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/index.js';

/** What a registered runner keeps between starts, so that a restarted runner keeps its identity. */
export const RunnerState = z.object({
  runnerId: z.number().int(),
  token: z.string().min(1),
  serverUrl: z.string().min(1),
});
export type RunnerState = z.infer<typeof RunnerState>;

/** The stored state, or undefined when the file does not exist yet. A damaged file is a UsageError naming it. */
export async function readRunnerState(file: string): Promise<RunnerState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the runner state file ${file}: ${(thrown as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`the runner state file ${file} is not valid JSON; remove it to register the runner again`);
  }
  const parsed = RunnerState.safeParse(json);
  if (!parsed.success) {
    throw new UsageError(`the runner state file ${file} is damaged (${parsed.error.issues[0]?.message ?? 'invalid'}); remove it to register the runner again`);
  }
  return parsed.data;
}

/**
 * Writes the state readable by its owner only (it holds the runner's token). Written to a
 * temporary file in the same directory and renamed over the old one, so a crash mid-write
 * never leaves a truncated file that would cost the runner its identity.
 */
export async function writeRunnerState(file: string, state: RunnerState): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx', flush: true });
    await rename(temporary, file);
  } catch (thrown) {
    await rm(temporary, { force: true });
    throw thrown;
  }
}
