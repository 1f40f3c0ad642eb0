import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, parseDuration, UsageError } from '../core/index.js';
import type { Executor, RunPipelineInput, RunRecord, RunResult, RunStore } from '../engine/index.js';
import { combineJobFiles, jobRequirementProblem, runPipeline, selectJobs } from '../engine/index.js';
import type { JobSpec, Pipeline } from '../pipeline/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';
import { actionSources } from './actions-command.js';
import { compileSource, loadPipeline } from './load-pipeline.js';
import { parseAssignments, readSecretsFile } from './parse-assignments.js';
import { createRunPrinter, formatSummary } from './run-printer.js';
import { writeRunReport } from './run-report.js';
import { prepareWorkflowRun } from './workflow-run.js';

export interface RunFlags {
  readonly job: string[];
  readonly parallel?: string;
  readonly secret: string[];
  readonly secretsFile?: string;
  readonly var: string[];
  readonly report?: string;
  readonly killGrace?: string;
  readonly executor?: string;
  readonly sandboxNetwork?: string;
  /** GitHub workflow files only: the event the local run imitates, and workflow_dispatch inputs. */
  readonly event?: string;
  readonly input?: string[];
  /** GitHub workflow files only: the local action store for `uses: owner/repo@ref` (default: ctx.actionStoreDir). */
  readonly actionsDir?: string;
}

/** `deploylite run FILE`: compile, run every selected job, print a summary, exit by status. */
export async function runCommand(ctx: CliContext, file: string, flags: RunFlags): Promise<number> {
  const loaded = await loadPipeline(file, ctx.stderr, actionSources(ctx, flags.actionsDir));
  if (!loaded.ok) return EXIT.invalid;
  checkReportPath(ctx, flags.report);
  const selected = selectJobs(loaded.pipeline.jobs, flags.job); // unknown --job ids are a usage error before anything runs
  if (!loaded.workflow && (flags.event !== undefined || (flags.input ?? []).length > 0)) {
    throw new UsageError('--event and --input are for GitHub Actions workflow files');
  }
  noticeIgnoredKeys(ctx, loaded.pipeline, loaded.workflow !== undefined, ctx.openCaches !== undefined, ctx.openArtifacts !== undefined);
  const executor = await createExecutor(ctx, flags);
  if (!canRunAll(ctx, loaded.pipeline.file, selected, executor)) return EXIT.invalid;
  const workflow = loaded.workflow && prepareWorkflowRun(loaded.pipeline, loaded.workflow, flags, ctx.cwd, ctx.stderr);
  const secrets = runSecrets(flags);
  const store = ctx.openStore();
  try {
    const result = await execute(ctx, store, flags, executor, secrets, {
      pipeline: loaded.pipeline,
      source: loaded.source,
      jobFilter: flags.job,
      vars: parseAssignments('--var', flags.var),
      workspaceDir: ctx.cwd,
      ...(workflow ? { runContext: workflow.runContext } : {}),
    });
    return finish(ctx, flags, result);
  } finally {
    workflow?.finish(ctx.stdout, Object.values(secrets));
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
    const loaded = await compileSource(run.source, run.file, ctx.stderr, actionSources(ctx, flags.actionsDir));
    if (!loaded.ok) return EXIT.invalid;
    const executor = await createExecutor(ctx, flags);
    if (!canRunAll(ctx, loaded.pipeline.file, selectJobs(loaded.pipeline.jobs, run.options.jobFilter), executor)) return EXIT.invalid;
    // The event and inputs of the first attempt are not stored: a resumed workflow run takes the defaults.
    const workflow = loaded.workflow && prepareWorkflowRun(loaded.pipeline, loaded.workflow, {}, run.options.workspaceDir, ctx.stderr);
    const secrets = runSecrets(flags);
    try {
      const result = await execute(ctx, store, { ...flags, parallel: flags.parallel ?? String(run.options.parallel) }, executor, secrets, {
        pipeline: loaded.pipeline,
        source: run.source,
        jobFilter: run.options.jobFilter,
        vars: run.options.vars,
        workspaceDir: run.options.workspaceDir,
        resume: run,
        ...(workflow ? { runContext: workflow.runContext } : {}),
      });
      return finish(ctx, flags, result);
    } finally {
      workflow?.finish(ctx.stdout, Object.values(secrets));
    }
  } finally {
    await store.close();
  }
}

type RunSpecifics = Pick<RunPipelineInput, 'pipeline' | 'source' | 'jobFilter' | 'vars' | 'workspaceDir' | 'resume' | 'runContext'>;

function createExecutor(ctx: CliContext, flags: RunFlags): Promise<Executor> {
  return ctx.createExecutor({
    killGraceMs: durationFlag('--kill-grace', flags.killGrace, 5000),
    ...(flags.executor !== undefined ? { executor: flags.executor } : {}),
    ...(flags.sandboxNetwork !== undefined ? { network: flags.sandboxNetwork } : {}),
  });
}

/** Every job the run may start can run on `executor` as its pipeline asks (image, network); else the problems, printed. */
function canRunAll(ctx: CliContext, file: string, jobs: readonly JobSpec[], executor: Executor): boolean {
  const problems = jobs.map((job) => jobRequirementProblem(job, file, executor)).filter((problem) => problem !== undefined);
  for (const problem of problems) ctx.stderr.write(`${formatDiagnostic(problem)}\n`);
  // The same closing line as a file that does not validate: the user knows no job started.
  if (problems.length > 0) ctx.stderr.write(`${file}: ${problems.length} error${problems.length === 1 ? '' : 's'}; nothing was run\n`);
  return problems.length === 0;
}

/** `--secrets-file`, then `--secret` flags, which win. */
function runSecrets(flags: RunFlags): Record<string, string> {
  return { ...(flags.secretsFile ? readSecretsFile(flags.secretsFile) : {}), ...parseAssignments('--secret', flags.secret) };
}

async function execute(ctx: CliContext, store: RunStore, flags: RunFlags, executor: Executor, secrets: Readonly<Record<string, string>>, specifics: RunSpecifics): Promise<RunResult> {
  const missing = (specifics.resume?.options.secretNames ?? []).filter((name) => !(name in secrets));
  if (missing.length > 0) {
    ctx.stderr.write(`warning: the run was started with secrets that were not given again: ${missing.join(', ')}\n`);
  }
  const caches = await ctx.openCaches?.(executor);
  const artifacts = ctx.openArtifacts?.();
  const parts = [caches, artifacts].filter((part) => part !== undefined);
  return runPipeline({
    ...specifics,
    store,
    jobs: { executor, ...(parts.length > 0 ? { files: combineJobFiles(...parts) } : {}) },
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

/** `runs-on` is noise for a GitHub workflow, where every job has it: the local run is its runner. */
function noticeIgnoredKeys(ctx: CliContext, pipeline: Pipeline, isWorkflow: boolean, cachesKept: boolean, artifactsKept: boolean): void {
  for (const job of pipeline.jobs) {
    const keys = [
      job.runsOn && !isWorkflow ? 'runs-on' : '',
      job.artifacts && !artifactsKept ? 'artifacts' : '',
      job.cache && !cachesKept ? 'cache' : '',
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
