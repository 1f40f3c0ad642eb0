import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { SecretMasker, UsageError } from '../core/index.js';
import type { RunContext } from '../engine/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { LocalEvent, WorkflowFacts } from '../workflows/index.js';
import { defaultEnv, eventPayload, githubContext, LOCAL_EVENTS, readLocalCheckout, resolveInputs, runnerContext } from '../workflows/index.js';
import type { Writable } from './cli-context.js';
import { parseInputs } from './parse-assignments.js';

export interface WorkflowRunFlags {
  readonly event?: string;
  readonly input?: readonly string[];
}

/** What a GitHub workflow run adds around the engine's run: its contexts, and the step summary at the end. */
export interface WorkflowRun {
  readonly runContext: (runId: number) => RunContext;
  /** Prints the step summary (if any step wrote one), with `secrets` masked, and removes the run's scratch folder. */
  finish(stdout: Writable, secrets: readonly string[]): void;
}

/**
 * Prepares a local run of a GitHub workflow as if `event` had happened on the checkout in
 * `workspace`: the `github`, `runner` and `inputs` contexts, GitHub's default variables, an
 * event file for GITHUB_EVENT_PATH and a GITHUB_STEP_SUMMARY file in a scratch folder
 * (RUNNER_TEMP). Bad flags are usage errors before anything runs.
 */
export function prepareWorkflowRun(pipeline: Pipeline, facts: WorkflowFacts, flags: WorkflowRunFlags, workspace: string, stderr: Writable): WorkflowRun {
  const event = chooseEvent(facts, flags.event);
  if (!facts.events.includes(event)) {
    stderr.write(`warning: ${pipeline.file} does not run on "${event}" (on: ${facts.events.join(', ') || 'nothing'}); running it anyway\n`);
  }
  const given = parseInputs(flags.input ?? []);
  if (Object.keys(given).length > 0 && event !== 'workflow_dispatch') {
    throw new UsageError('--input is for --event workflow_dispatch');
  }
  const resolved = event === 'workflow_dispatch' ? resolveInputs(facts.dispatchInputs, given) : { inputs: {}, problems: [] };
  if (resolved.problems.length > 0) throw new UsageError(resolved.problems.join('; '));

  const checkout = readLocalCheckout(workspace);
  // The scratch folder is made when the run starts (inside the command's cleanup), not here.
  let runnerTemp: string | undefined;
  return {
    runContext: (runId) => {
      runnerTemp = mkdtempSync(join(tmpdir(), 'deploylite-runner-'));
      const facts = {
        checkout,
        event,
        workflowName: pipeline.name,
        workflowPath: relative(workspace, resolve(workspace, pipeline.file)).split(sep).join('/'),
        inputs: resolved.inputs,
        runId,
        runnerTemp,
        eventPath: join(runnerTemp, 'event.json'),
        stepSummaryPath: join(runnerTemp, 'step-summary.md'),
      };
      writeFileSync(facts.eventPath, `${JSON.stringify(eventPayload(facts), null, 2)}\n`);
      writeFileSync(facts.stepSummaryPath, '');
      return {
        contexts: { github: githubContext(facts), runner: runnerContext(facts), inputs: resolved.inputs },
        env: defaultEnv(facts),
        // A `container:` or sandboxed job sees the host's file system only where it is mounted: this folder must be.
        hostDirs: [runnerTemp],
      };
    },
    finish: (stdout, secrets) => {
      if (runnerTemp === undefined) return;
      const masker = new SecretMasker();
      for (const secret of secrets) masker.add(secret);
      const summary = masker.mask(readSummary(join(runnerTemp, 'step-summary.md')));
      if (summary.trim() !== '') stdout.write(`\n── step summary ──\n${summary.endsWith('\n') ? summary : `${summary}\n`}`);
      rmSync(runnerTemp, { recursive: true, force: true });
      runnerTemp = undefined;
    },
  };
}

/** `--event`, else the first of push, pull_request, workflow_dispatch the workflow runs on. */
function chooseEvent(facts: WorkflowFacts, flag: string | undefined): LocalEvent {
  if (flag !== undefined) {
    if (!(LOCAL_EVENTS as readonly string[]).includes(flag)) {
      throw new UsageError(`--event must be one of ${LOCAL_EVENTS.join(', ')}, got "${flag}"`);
    }
    return flag as LocalEvent;
  }
  return LOCAL_EVENTS.find((event) => facts.events.includes(event)) ?? 'push';
}

/** The summary a step wrote; empty when a step removed it or replaced it with something not a plain file (a link, a FIFO). */
function readSummary(file: string): string {
  try {
    return lstatSync(file).isFile() ? readFileSync(file, 'utf8') : '';
  } catch {
    return '';
  }
}
