import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeUrlCredentials } from '../../core/index.js';

/** A ConfigMap holds at most 1 MiB in all; the bundle must fit beside its metadata. */
export const MAX_BUNDLE_BYTES = 1024 * 1024 - 16 * 1024;

const GIT_CONFIG = './.git/config';

/**
 * The checkout as a gzip'd tar, the way the init container receives it (through a ConfigMap). Throws a message for
 * the user when the checkout is too big for that: larger workspaces need a volume the cluster provides, which this
 * executor does not set up. `maxBytes` other than the ConfigMap's: the bundle goes to the pod some other way (on an
 * exec's stdin, which has no such limit).
 *
 * A ConfigMap is readable by anyone who may read the namespace's ConfigMaps, a wider circle than the job itself, so
 * the checkout's `.git/config` goes in with the user information of its URLs removed: a repository URL that carries a
 * token (`https://user:token@host/repo.git`) does not leave the runner in the bundle.
 */
export async function packWorkspace(dir: string, jobKey: string, maxBytes = MAX_BUNDLE_BYTES): Promise<Buffer> {
  const stage = await stageConfigWithoutCredentials(dir);
  try {
    // GNU tar's --exclude applies to the names after it: the staged config goes in, the checkout's own does not.
    // Each -C is relative to the one before: the checkout's is made absolute.
    const args = stage ? ['-czf', '-', '-C', stage, GIT_CONFIG, `--exclude=${GIT_CONFIG}`, '-C', resolve(dir), '.'] : ['-czf', '-', '-C', dir, '.'];
    const bundle = await tar(args, dir, jobKey, Math.max(64 * 1024 * 1024, maxBytes + 1));
    if (bundle.length > maxBytes) {
      if (maxBytes !== MAX_BUNDLE_BYTES) throw new Error(`job "${jobKey}": the workspace is ${Math.ceil(bundle.length / 1024 / 1024)} MiB packed; the kubernetes executor sends at most ${Math.floor(maxBytes / 1024 / 1024)} MiB into the pod`);
      throw new Error(`job "${jobKey}": the workspace is ${Math.ceil(bundle.length / 1024)} KiB packed; the kubernetes executor ships it in a ConfigMap, which holds at most ${MAX_BUNDLE_BYTES / 1024} KiB`);
    }
    return bundle;
  } finally {
    if (stage) await rm(stage, { recursive: true, force: true });
  }
}

/** A folder holding `.git/config` without credentials in its URLs; undefined when the checkout's has none to remove. */
async function stageConfigWithoutCredentials(dir: string): Promise<string | undefined> {
  const path = join(dir, GIT_CONFIG);
  const config = await readFile(path, 'utf8').catch(() => undefined);
  if (config === undefined) return undefined;
  const cleaned = removeUrlCredentials(config);
  if (cleaned === config) return undefined;
  const mode = (await stat(path)).mode & 0o777;
  const stage = await mkdtemp(join(tmpdir(), 'deploylite-bundle-'));
  try {
    await mkdir(join(stage, '.git'));
    await writeFile(join(stage, GIT_CONFIG), cleaned, { mode });
    return stage;
  } catch (thrown) {
    await rm(stage, { recursive: true, force: true });
    throw thrown;
  }
}

function tar(args: readonly string[], dir: string, jobKey: string, maxBuffer: number): Promise<Buffer> {
  return new Promise<Buffer>((done, fail) => {
    execFile('tar', args, { encoding: 'buffer', maxBuffer }, (error, stdout, stderr) => {
      if (error?.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return fail(new Error(`job "${jobKey}": the workspace ${dir} is more than ${Math.floor(maxBuffer / 1024 / 1024)} MiB packed, too large to send into the pod`));
      // GNU tar exits 1 when a file changed while it was read (a log the run writes into the checkout): the bundle is
      // complete, that file as it was at some moment.
      if (error && !(error.code === 1 && stdout.length > 0)) fail(new Error(`job "${jobKey}": could not pack the workspace ${dir} for the pod: ${stderr.toString().trim() || error.message}`));
      else done(stdout);
    });
  });
}
