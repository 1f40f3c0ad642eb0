import { constants } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../core/index.js';
import type { LogStream } from '../engine/index.js';
import type { JobAssignment } from '../protocol/index.js';
import { MAX_STEP_SUMMARY_BYTES } from '../protocol/index.js';

/** What a GitHub workflow job sees of the runner's machine, and how its step summary is read back. */
export interface WorkflowEnvironment {
  /** The assignment's contexts with `github.workspace`, `github.event_path` and the `runner` context filled in. */
  readonly contexts: Record<string, unknown>;
  /** GITHUB_WORKSPACE, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY and the RUNNER_* variables. */
  readonly env: Record<string, string>;
  /** The scratch directory, which a `container:` or sandboxed job's steps must see at its own path (`JobRequest.hostDirs`). */
  readonly hostDirs: readonly string[];
  /**
   * The job's step summary, masked with `mask`; undefined when the steps wrote nothing, or when it is over
   * MAX_STEP_SUMMARY_BYTES or unreadable (then with a warning in the job's log, as GitHub drops an oversized one).
   */
  readSummary(mask: (text: string) => string, log: (stream: LogStream, text: string) => void): Promise<string | undefined>;
}

export interface WorkflowMachine {
  /** The job's checkout (GITHUB_WORKSPACE). */
  readonly workspace: string;
  /** An empty per-job directory the caller removes after the job: RUNNER_TEMP, the event file, the summary file. */
  readonly scratchDir: string;
  /** The runner's registered name (`runner.name`). */
  readonly runnerName: string;
}

/**
 * Is the assignment a GitHub workflow job? The server gives only those a `github` context (server-github-context.ts),
 * so this needs no protocol field and works with servers older than the runner.
 */
export function isWorkflowAssignment(assignment: JobAssignment): boolean {
  return isRecord(assignment.contexts.github);
}

/**
 * Fills in what the server leaves empty because only the runner's machine knows it, as GitHub's runner does:
 * RUNNER_TEMP (the scratch directory), the event payload in a file for GITHUB_EVENT_PATH, an empty
 * GITHUB_STEP_SUMMARY file and the `runner` context. One summary file serves the whole job (GitHub gives each
 * step a fresh one and joins them, which comes to the same text unless a step truncates or rereads the file):
 * the executors, not the engine, make the per-step command files, and a summary is not worth a change to each.
 */
export async function prepareWorkflowEnvironment(assignment: JobAssignment, machine: WorkflowMachine): Promise<WorkflowEnvironment> {
  const github = isRecord(assignment.contexts.github) ? assignment.contexts.github : {};
  const eventPath = join(machine.scratchDir, 'event.json');
  const summaryPath = join(machine.scratchDir, 'step-summary.md');
  const toolCache = join(machine.scratchDir, 'tool-cache');
  await writeFile(eventPath, `${JSON.stringify(github.event ?? {}, null, 2)}\n`, { mode: 0o644 });
  await writeFile(summaryPath, '', { mode: 0o644 });
  await mkdir(toolCache);
  const runner = {
    name: machine.runnerName,
    os: runnerOs(process.platform),
    arch: runnerArch(process.arch),
    environment: 'self-hosted',
    temp: machine.scratchDir,
    // Per job, not shared between jobs as on GitHub's hosted runners: one project's job must not leave tools for another's.
    tool_cache: toolCache,
    debug: '',
  };
  return {
    contexts: { ...assignment.contexts, github: { ...github, workspace: machine.workspace, event_path: eventPath }, runner },
    env: {
      GITHUB_WORKSPACE: machine.workspace,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      RUNNER_NAME: runner.name,
      RUNNER_OS: runner.os,
      RUNNER_ARCH: runner.arch,
      RUNNER_ENVIRONMENT: runner.environment,
      RUNNER_TEMP: runner.temp,
      RUNNER_TOOL_CACHE: runner.tool_cache,
    },
    hostDirs: [machine.scratchDir],
    readSummary: async (mask, log) => {
      const read = await readSummaryFile(summaryPath);
      if (typeof read !== 'string') {
        log('system', `warning: the step summary was dropped: ${read.problem}`);
        return undefined;
      }
      if (read.trim() === '') return undefined;
      const masked = mask(read);
      // Masking may lengthen the text (a short secret becomes ***): the limit holds for what is sent.
      const size = Buffer.byteLength(masked);
      if (size > MAX_STEP_SUMMARY_BYTES) {
        log('system', `warning: the step summary was dropped: it is ${formatBytes(size)}, over the ${formatBytes(MAX_STEP_SUMMARY_BYTES)} limit`);
        return undefined;
      }
      return masked;
    },
  };
}

/**
 * The summary file's text, read the way a file the job controls must be: not through a symbolic link (a step
 * could point it at a file of the runner's), not from a FIFO (the runner would block), not beyond the limit.
 */
async function readSummaryFile(file: string): Promise<string | { problem: string }> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return ''; // A step removed it: there is nothing to show.
    return { problem: code === 'ELOOP' ? 'it is a symbolic link' : `it could not be read (${code ?? 'unreadable'})` };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { problem: 'it is not a regular file' };
    if (stat.size > MAX_STEP_SUMMARY_BYTES) return { problem: `it is ${formatBytes(stat.size)}, over the ${formatBytes(MAX_STEP_SUMMARY_BYTES)} limit` };
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** `runner.os` as GitHub names it. */
function runnerOs(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS';
  if (platform === 'win32') return 'Windows';
  return 'Linux';
}

/** `runner.arch` as GitHub names it. */
function runnerArch(arch: string): string {
  const names: Record<string, string> = { x64: 'X64', arm64: 'ARM64', arm: 'ARM', ia32: 'X86' };
  return names[arch] ?? arch.toUpperCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
