// Drives the Docker executor directly, as the engine does: prepare, steps one by one, cleanup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRequest, JobWorkspace, StepCommand, StepOutcome } from '../../../src/engine/index.js';
import type { DockerExecutor } from '../../../src/executors/docker/index.js';

export interface StepResult extends StepOutcome {
  readonly stdout: string[];
  readonly stderr: string[];
}

export async function runStep(
  executor: DockerExecutor,
  workspace: JobWorkspace,
  script: string,
  options: Partial<StepCommand> & { signal?: AbortSignal } = {},
): Promise<StepResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { signal, ...step } = options;
  const outcome = await executor.runStep(
    workspace,
    { script, env: {}, ...step },
    { onLine: (stream, line) => (stream === 'stdout' ? stdout : stderr).push(line) },
    signal ?? new AbortController().signal,
  );
  return { ...outcome, stdout, stderr };
}

let nextRun = 1000 + Math.floor(Math.random() * 100_000);

/** A job request with a fresh workspace directory (removed by `done`). */
export function jobRequest(extra: Partial<JobRequest> = {}): JobRequest & { done(): void } {
  const workspaceDir = extra.workspaceDir ?? mkdtempSync(join(tmpdir(), 'deploylite-docker-ws-'));
  return {
    runId: nextRun++,
    jobKey: 'build',
    jobId: 'build',
    workspaceDir,
    ...extra,
    done: () => rmSync(workspaceDir, { recursive: true, force: true }),
  };
}
