import { execFile } from 'node:child_process';

/** A ConfigMap holds at most 1 MiB in all; the bundle must fit beside its metadata. */
export const MAX_BUNDLE_BYTES = 1024 * 1024 - 16 * 1024;

/**
 * The checkout as a gzip'd tar, the way the init container receives it (through a ConfigMap). Throws a message for
 * the user when the checkout is too big for that: larger workspaces need a volume the cluster provides, which this
 * executor does not set up.
 */
export async function packWorkspace(dir: string, jobKey: string): Promise<Buffer> {
  const bundle = await new Promise<Buffer>((done, fail) => {
    execFile('tar', ['-czf', '-', '-C', dir, '.'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // GNU tar exits 1 when a file changed while it was read (a log the run writes into the checkout): the bundle is
      // complete, that file as it was at some moment.
      if (error && !(error.code === 1 && stdout.length > 0)) fail(new Error(`job "${jobKey}": could not pack the workspace ${dir} for the pod: ${stderr.toString().trim() || error.message}`));
      else done(stdout);
    });
  });
  if (bundle.length > MAX_BUNDLE_BYTES) {
    throw new Error(`job "${jobKey}": the workspace is ${Math.ceil(bundle.length / 1024)} KiB packed; the kubernetes executor ships it in a ConfigMap, which holds at most ${MAX_BUNDLE_BYTES / 1024} KiB`);
  }
  return bundle;
}
