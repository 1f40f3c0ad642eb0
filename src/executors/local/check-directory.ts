import { stat } from 'node:fs/promises';

/** A message when `dir` cannot be a working directory, else undefined. */
export async function checkDirectory(dir: string, label: string): Promise<string | undefined> {
  try {
    return (await stat(dir)).isDirectory() ? undefined : `${label} is not a directory`;
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${label} does not exist` : `${label} is not accessible (${code ?? 'unknown error'})`;
  }
}
