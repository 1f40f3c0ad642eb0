// How the benchmarks start the CLI: `node bin/deploylite …`, exactly as a user would, from
// a scratch directory so that its `.deploylite/runs.db` never touches the repository's.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTimedOk } from './run-timed.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** DEPLOYLITE_BENCH_BIN runs another build (a copied `dist/deploylite.mjs`), to compare two side by side. */
export const DEPLOYLITE_BIN = process.env.DEPLOYLITE_BENCH_BIN ?? join(REPO_ROOT, 'bin', 'deploylite');

export function scratchDir(label) {
  return mkdtempSync(join(tmpdir(), `dl-bench-${label}-`));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** `node bin/deploylite ARGS` as [command, args] for runTimed. */
export function deployliteCommand(args) {
  return [process.execPath, [DEPLOYLITE_BIN, ...args]];
}

/**
 * Runs a pipeline once with `--report` and checks that every job ran and succeeded, so a
 * benchmark never times a run that silently did less work than make. Not timed.
 */
export async function verifyPipelineRun(cwd, pipelinePath, expectedJobs, extraArgs = []) {
  const reportPath = join(cwd, 'verify-report.json');
  const [command, args] = deployliteCommand(['run', pipelinePath, ...extraArgs, '--report', reportPath]);
  await runTimedOk(command, args, { cwd, timeoutMs: 300_000 });
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  rmSync(reportPath, { force: true });
  const succeeded = report.jobs.filter((job) => job.status === 'success').length;
  if (report.status !== 'success' || report.jobs.length !== expectedJobs || succeeded !== expectedJobs) {
    throw new Error(
      `verification run of ${pipelinePath}: status ${report.status}, ${report.jobs.length} jobs reported, ` +
        `${succeeded} succeeded, ${expectedJobs} expected`,
    );
  }
}
