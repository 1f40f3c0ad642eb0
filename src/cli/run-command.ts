import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, parseDuration, UsageError } from '../core/index.js';
import type { RunPipelineInput, RunRecord, RunResult, RunStore } from '../engine/index.js';
import { runPipeline, selectJobs } from '../engine/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';
import { compileSource, loadPipeline } from './load-pipeline.js';
import { parseAssignments, readSecretsFile } from './parse-assignments.js';
import { createRunPrinter, formatSummary } from './run-printer.js';
import { writeRunReport } from './run-report.js';

export interface RunFlags {
  readonly job: string[];
  readonly parallel?: string;
  readonly secret: string[];
  readonly secretsFile?: string;
  readonly var: string[];
  readonly report?: string;
  readonly killGrace?: string;
}

/** `deploylite run FILE`: compile, run every selected job, print a summary, exit by status. */
export async function runCommand(ctx: CliContext, file: string, flags: RunFlags): Promise<number> {
  const loaded = loadPipeline(file, ctx.stderr);
  if (!loaded.ok) return EXIT.invalid;
  checkReportPath(ctx, flags.report);
  selectJobs(loaded.pipeline.jobs, flags.job); // unknown --job ids are a usage error before anything runs
  noticeIgnoredKeys(ctx, loaded.pipeline);
  const store = ctx.openStore();
  try {
    const result = await execute(ctx, store, flags, {
      pipeline: loaded.pipeline,
      source: loaded.source,
      jobFilter: flags.job,
      vars: parseAssignments('--var', flags.var),
      workspaceDir: ctx.cwd,
    });
    return finish(ctx, flags, result);
  } finally {
    await store.close();
  }
}

/** `deploylite resume [RUN_ID]`: continue a run whose CLI was killed; finished jobs are kept. */
export async function resumeCommand(ctx: CliContext, runId: string | undefined, flags: RunFlags): Promise<number> {
  const store = ctx.openStore();
  try {
    checkReportPath(ctx, flags.report);
    const run = await findRun(store, runId);
    if (run.status === 'success' || run.status === 'failed') {
      ctx.stdout.write(`run ${run.id} already finished (${run.status}); nothing to resume\n`);
      return run.status === 'success' ? EXIT.success : EXIT.failed;
    }
    const loaded = compileSource(run.source, run.file, ctx.stderr);
    if (!loaded.ok) return EXIT.invalid;
    const result = await execute(ctx, store, { ...flags, parallel: flags.parallel ?? String(run.options.parallel) }, {
      pipeline: loaded.pipeline,
      source: run.source,
      jobFilter: run.options.jobFilter,
      vars: run.options.vars,
      workspaceDir: run.options.workspaceDir,
      resume: run,
    });
    return finish(ctx, flags, result);
  } finally {
    await store.close();
  }
}

type RunSpecifics = Pick<RunPipelineInput, 'pipeline' | 'source' | 'jobFilter' | 'vars' | 'workspaceDir' | 'resume'>;

async function execute(ctx: CliContext, store: RunStore, flags: RunFlags, specifics: RunSpecifics): Promise<RunResult> {
  const secrets = {
    ...(flags.secretsFile ? readSecretsFile(flags.secretsFile) : {}),
    ...parseAssignments('--secret', flags.secret),
  };
  const missing = (specifics.resume?.options.secretNames ?? []).filter((name) => !(name in secrets));
  if (missing.length > 0) {
    ctx.stderr.write(`warning: the run was started with secrets that were not given again: ${missing.join(', ')}\n`);
  }
  return runPipeline({
    ...specifics,
    store,
    jobs: { executor: ctx.createExecutor({ killGraceMs: durationFlag('--kill-grace', flags.killGrace, 5000) }) },
    parallel: parallelFlag(flags.parallel),
    secrets,
    signal: ctx.signal,
    observer: createRunPrinter(ctx.stdout, ctx.color),
  });
}

function finish(ctx: CliContext, flags: RunFlags, result: RunResult): number {
  ctx.stdout.write(formatSummary(result, ctx.color));
  if (flags.report) writeRunReport(resolve(ctx.cwd, flags.report), result);
  switch (result.run.status) {
    case 'success':
      return EXIT.success;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.failed;
  }
}

async function findRun(store: RunStore, runId: string | undefined): Promise<RunRecord> {
  if (runId !== undefined && !/^\d+$/.test(runId)) throw new UsageError(`run id must be a number, got "${runId}"`);
  const run = runId === undefined ? await store.latestRun() : await store.getRun(Number(runId));
  if (!run) throw new UsageError(runId === undefined ? 'there are no runs to resume in this directory' : `no run ${runId}`);
  return run;
}

/** A report that cannot be written is a usage error before the run, not a crash after it. */
function checkReportPath(ctx: CliContext, report: string | undefined): void {
  if (report === undefined) return;
  const dir = dirname(resolve(ctx.cwd, report));
  if (!existsSync(dir)) throw new UsageError(`--report ${report}: directory ${dir} does not exist`);
}

function noticeIgnoredKeys(ctx: CliContext, pipeline: Pipeline): void {
  for (const job of pipeline.jobs) {
    const keys = [
      job.runsOn ? 'runs-on' : '',
      job.image ? 'image' : '',
      job.artifacts ? 'artifacts' : '',
      job.cache ? 'cache' : '',
    ].filter(Boolean);
    if (keys.length === 0) continue;
    const notice = { code: 'run.ignored-key', severity: 'warning' as const, file: pipeline.file, ...job.position };
    ctx.stderr.write(
      `${formatDiagnostic({ ...notice, message: `job "${job.id}": ${keys.join(', ')} ignored by local runs` })}\n`,
    );
  }
}

function parallelFlag(text: string | undefined): number {
  if (text === undefined) return 4;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--parallel expects a positive integer, got "${text}"`);
  return Number(text);
}

function durationFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} expects a duration such as 5s or 500ms, got "${text}"`);
  return ms;
}
