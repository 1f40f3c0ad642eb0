import type { Executor, JobRequest, JobWorkspace, StepCommand, StepIO, StepOutcome } from '../../engine/index.js';

/**
 * An executor for engine and scheduler tests that runs no processes (woodpecker's `dummy`
 * backend). A step's script is a few commands, one per line or separated by `;`:
 *
 *   echo TEXT            print TEXT on stdout (`echo-err` for stderr)
 *   exit N               end the step with exit code N
 *   sleep MS             wait, stopping early when cancelled
 *   output NAME=VALUE    as if written to $DEPLOYLITE_OUTPUT
 *   setenv NAME=VALUE    as if written to $DEPLOYLITE_ENV
 *   printenv NAME        print the value of a variable the step received
 *   fail-before N        exit 1 while DEPLOYLITE_ATTEMPT is below N (to test retries)
 *
 * Every step it ran is recorded in `ran` (job key and script) for assertions.
 */
export class FakeExecutor implements Executor {
  readonly name = 'fake';
  readonly ran: { jobKey: string; script: string; env: Readonly<Record<string, string>> }[] = [];
  readonly cleanedUp: string[] = [];

  async prepareJob(job: JobRequest): Promise<JobWorkspace> {
    return { job, dir: job.workspaceDir };
  }

  async runStep(workspace: JobWorkspace, step: StepCommand, io: StepIO, signal: AbortSignal): Promise<StepOutcome> {
    this.ran.push({ jobKey: workspace.job.jobKey, script: step.script, env: step.env });
    const result = { outputs: {} as Record<string, string>, env: {} as Record<string, string>, path: [] as string[] };
    const outcome = (exitCode: number | null, extra: Partial<StepOutcome> = {}): StepOutcome => ({
      exitCode,
      timedOut: false,
      cancelled: false,
      ...result,
      ...extra,
    });
    if (signal.aborted) return outcome(null, { cancelled: true });
    const deadline = step.timeoutMs !== undefined ? Date.now() + step.timeoutMs : Infinity;
    for (const command of step.script.split(/\n|;/).map((c) => c.trim()).filter(Boolean)) {
      const [verb, ...rest] = command.split(' ');
      const arg = rest.join(' ');
      switch (verb) {
        case 'echo':
          io.onLine('stdout', arg);
          break;
        case 'echo-err':
          io.onLine('stderr', arg);
          break;
        case 'exit':
          return outcome(Number(arg));
        case 'sleep': {
          const stopped = await sleep(Math.min(Number(arg), deadline - Date.now()), signal);
          if (stopped) return outcome(null, { cancelled: true });
          if (Date.now() >= deadline) return outcome(null, { timedOut: true });
          break;
        }
        case 'output':
        case 'setenv': {
          const eq = arg.indexOf('=');
          (verb === 'output' ? result.outputs : result.env)[arg.slice(0, eq)] = arg.slice(eq + 1);
          break;
        }
        case 'printenv':
          io.onLine('stdout', step.env[arg] ?? '');
          break;
        case 'fail-before':
          if (Number(step.env.DEPLOYLITE_ATTEMPT ?? '1') < Number(arg)) return outcome(1);
          break;
        default:
          io.onLine('stderr', `fake executor: unknown command "${verb ?? ''}"`);
          return outcome(127);
      }
    }
    return outcome(0);
  }

  async cleanupJob(workspace: JobWorkspace): Promise<void> {
    this.cleanedUp.push(workspace.job.jobKey);
  }
}

/** Resolves true when the signal aborted before `ms` passed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
