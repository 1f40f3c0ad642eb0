// The behaviour every Executor must have (src/engine/executor.ts), run against each implementation: local now,
// sandbox, docker and kubernetes later. Scripts are POSIX shell unless a test is about another shell, and they talk
// to the test only through their output, their exit code, the command files and the workspace directory, so the
// suite does not depend on where the step's processes live.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Executor, JobWorkspace, StepCommand, StepOutcome } from '../../../src/engine/index.js';

export interface StepRun {
  readonly outcome: StepOutcome;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly pids: number[];
}

export type StepOptions = Partial<Omit<StepCommand, 'script'>> & { readonly signal?: AbortSignal };

/** One prepared job in a fresh workspace directory. */
export interface TestJob {
  readonly executor: Executor;
  readonly workspace: JobWorkspace;
  /** The workspace directory, symlinks resolved. */
  readonly dir: string;
  run(script: string, options?: StepOptions): Promise<StepRun>;
}

/** Prepares a job in a fresh workspace, runs `body`, then cleans the job up and removes the workspace. */
export async function withJob<T>(makeExecutor: () => Executor, body: (job: TestJob) => Promise<T>): Promise<T> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'executor-suite-')));
  const executor = makeExecutor();
  const workspace = await executor.prepareJob({ runId: 1, jobKey: 'build', jobId: 'build', workspaceDir: dir });
  try {
    return await body({ executor, workspace, dir, run: (script, options) => runStep(executor, workspace, script, options) });
  } finally {
    await executor.cleanupJob(workspace);
    await rm(dir, { recursive: true, force: true });
  }
}

async function runStep(executor: Executor, workspace: JobWorkspace, script: string, options: StepOptions = {}): Promise<StepRun> {
  const { signal = new AbortController().signal, ...step } = options;
  const run = { stdout: [] as string[], stderr: [] as string[], pids: [] as number[] };
  const outcome = await executor.runStep(
    workspace,
    { script, env: {}, ...step },
    { onLine: (stream, line) => run[stream].push(line), onStart: (pid) => run.pids.push(pid) },
    signal,
  );
  return { outcome, ...run };
}

export function describeExecutorConformance(name: string, makeExecutor: () => Executor): void {
  const job = <T>(body: (job: TestJob) => Promise<T>) => withJob(makeExecutor, body);

  describe(`${name} executor conformance`, () => {
    describe('exit codes and output', () => {
      test('a step that exits 0 succeeds with exit code 0', () =>
        job(async ({ run }) => {
          const { outcome } = await run('true');
          assert.deepEqual(outcome, { exitCode: 0, timedOut: false, cancelled: false, outputs: {}, env: {}, path: [] });
        }));

      test("a step's exit code is the exit code of its script", () =>
        job(async ({ run }) => {
          assert.equal((await run('exit 3')).outcome.exitCode, 3);
        }));

      test('stdout and stderr arrive as lines in the order written, per stream', () =>
        job(async ({ run }) => {
          const step = await run('echo one; echo oops >&2; echo two; printf "three\\r\\nfour"; echo again >&2');
          assert.deepEqual(step.stdout, ['one', 'two', 'three', 'four']);
          assert.deepEqual(step.stderr, ['oops', 'again']);
        }));

      test('empty lines and non-ASCII text come through unchanged', () =>
        job(async ({ run }) => {
          const step = await run("printf 'a\\n\\nb ✓ ünï 日本\\n'");
          assert.deepEqual(step.stdout, ['a', '', 'b ✓ ünï 日本']);
        }));

      test('stdin is empty', () =>
        job(async ({ run }) => {
          const step = await run('cat; echo "read $(wc -c) bytes"');
          assert.deepEqual(step.stdout, ['read 0 bytes']);
        }));
    });

    describe('environment', () => {
      test("the step sees its env variables, with spaces and newlines intact", () =>
        job(async ({ run }) => {
          const step = await run('echo "$GREETING"; echo "$EMPTY|"', { env: { GREETING: 'hello  world\nbye', EMPTY: '' } });
          assert.deepEqual(step.stdout, ['hello  world', 'bye', '|']);
        }));

      test('directories in pathPrepend come first in PATH, in the given order', () =>
        job(async ({ run, dir }) => {
          await mkdir(join(dir, 'first'));
          await mkdir(join(dir, 'second'));
          await writeFile(join(dir, 'second', 'hello-tool'), '#!/bin/sh\necho from second\n', { mode: 0o755 });
          const step = await run('echo "$PATH"; hello-tool', { pathPrepend: [join(dir, 'first'), join(dir, 'second')] });
          assert.ok(step.stdout[0]?.startsWith(`${join(dir, 'first')}:${join(dir, 'second')}:`), step.stdout[0]);
          assert.equal(step.stdout[1], 'from second');
        }));
    });

    describe('command files', () => {
      test('outputs written to $DEPLOYLITE_OUTPUT are returned', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo "version=1.2.3" >> "$DEPLOYLITE_OUTPUT"; echo "url=http://x/?a=b" >> "$DEPLOYLITE_OUTPUT"');
          assert.deepEqual(outcome.outputs, { version: '1.2.3', url: 'http://x/?a=b' });
        }));

      test('$GITHUB_OUTPUT is the same file as $DEPLOYLITE_OUTPUT', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo "a=1" >> "$GITHUB_OUTPUT"; echo "b=2" >> "$DEPLOYLITE_OUTPUT"');
          assert.deepEqual(outcome.outputs, { a: '1', b: '2' });
        }));

      test('a heredoc output keeps its inner newlines', () =>
        job(async ({ run }) => {
          const { outcome } = await run('printf "notes<<EOF\\nline 1\\n\\nline 3\\nEOF\\n" >> "$GITHUB_OUTPUT"');
          assert.deepEqual(outcome.outputs, { notes: 'line 1\n\nline 3' });
        }));

      test('variables written to $DEPLOYLITE_ENV and $GITHUB_ENV are returned as env', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo "MODE=release" >> "$DEPLOYLITE_ENV"; echo "LEVEL=3" >> "$GITHUB_ENV"');
          assert.deepEqual(outcome.env, { MODE: 'release', LEVEL: '3' });
        }));

      test('directories written to $DEPLOYLITE_PATH and $GITHUB_PATH are returned, the last written first', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo /opt/a/bin >> "$DEPLOYLITE_PATH"; echo >> "$GITHUB_PATH"; echo /opt/b/bin >> "$GITHUB_PATH"');
          assert.deepEqual(outcome.path, ['/opt/b/bin', '/opt/a/bin']);
        }));

      test('each step starts with empty command files', () =>
        job(async ({ run }) => {
          await run('echo "a=1" >> "$DEPLOYLITE_OUTPUT"; echo "A=1" >> "$DEPLOYLITE_ENV"; echo /a >> "$DEPLOYLITE_PATH"');
          const { outcome } = await run('echo "b=2" >> "$DEPLOYLITE_OUTPUT"');
          assert.deepEqual([outcome.outputs, outcome.env, outcome.path], [{ b: '2' }, {}, []]);
        }));

      test('a malformed command file line is a warning that names the file and line, not a failure', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo "ok=1" >> "$GITHUB_OUTPUT"; echo "no equals sign" >> "$GITHUB_OUTPUT"');
          assert.equal(outcome.exitCode, 0);
          assert.deepEqual(outcome.outputs, { ok: '1' });
          assert.equal(outcome.warnings?.length, 1);
          assert.match(outcome.warnings?.[0] ?? '', /DEPLOYLITE_OUTPUT.*line 2/);
        }));
    });

    describe('working directory', () => {
      test('a step runs in the workspace directory by default', () =>
        job(async ({ run, dir }) => {
          assert.deepEqual((await run('pwd -P')).stdout, [dir]);
        }));

      test('working-directory is relative to the workspace directory', () =>
        job(async ({ run, dir }) => {
          await mkdir(join(dir, 'app', 'web'), { recursive: true });
          assert.deepEqual((await run('pwd -P', { workingDirectory: 'app/web' })).stdout, [join(dir, 'app', 'web')]);
        }));

      test('an absolute working-directory is used as is', () =>
        job(async ({ run, dir }) => {
          await mkdir(join(dir, 'abs'));
          assert.deepEqual((await run('pwd -P', { workingDirectory: join(dir, 'abs') })).stdout, [join(dir, 'abs')]);
        }));

      test('a missing working-directory is an error and the script does not run', () =>
        job(async ({ run, dir }) => {
          const { outcome } = await run(`touch "${dir}/ran"`, { workingDirectory: 'missing/dir' });
          assert.equal(outcome.error, 'working-directory "missing/dir" does not exist');
          assert.equal(outcome.exitCode, null);
          assert.equal(existsSync(join(dir, 'ran')), false);
        }));

      test('a working-directory that is a file is an error', () =>
        job(async ({ run, dir }) => {
          await writeFile(join(dir, 'notes.txt'), '');
          const { outcome } = await run('true', { workingDirectory: 'notes.txt' });
          assert.equal(outcome.error, 'working-directory "notes.txt" is not a directory');
        }));
    });

    describe('timeouts and cancellation', () => {
      test('a step that outlives its timeout is killed, with its background processes, and reports timedOut', () =>
        job(async ({ run, dir }) => {
          const started = Date.now();
          // The background child would leave a file behind if it survived the step.
          const step = await run(`(sleep 1; touch "${dir}/survived") & sleep 30`, { timeoutMs: 300 });
          assert.equal(step.outcome.timedOut, true);
          assert.equal(step.outcome.cancelled, false);
          assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
          await delay(1500);
          assert.equal(existsSync(join(dir, 'survived')), false);
        }));

      test('aborting the signal cancels a step within a second, even one that ignores SIGTERM', () =>
        job(async ({ run }) => {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 200);
          const started = Date.now();
          const step = await run('trap "echo got TERM" TERM; while true; do sleep 0.05; done', { signal: controller.signal });
          assert.equal(step.outcome.cancelled, true);
          assert.equal(step.outcome.timedOut, false);
          assert.ok(Date.now() - started < 1200, `took ${Date.now() - started} ms`);
        }));

      test('a step given an already-aborted signal is cancelled without running', () =>
        job(async ({ run, dir }) => {
          const controller = new AbortController();
          controller.abort();
          const step = await run(`touch "${dir}/ran"`, { signal: controller.signal });
          assert.equal(step.outcome.cancelled, true);
          assert.equal(step.outcome.exitCode, null);
          assert.equal(existsSync(join(dir, 'ran')), false);
        }));

      test('a step that finishes in time is neither timed out nor cancelled, and leaves no listener on the signal', () =>
        job(async ({ run }) => {
          const controller = new AbortController();
          const step = await run('echo done', { timeoutMs: 10_000, signal: controller.signal });
          controller.abort();
          assert.deepEqual([step.outcome.exitCode, step.outcome.timedOut, step.outcome.cancelled], [0, false, false]);
          assert.equal(listenerCount(controller.signal), 0);
        }));
    });

    describe('shells', () => {
      test('shell sh runs the script with sh -e: the first failing command ends it', () =>
        job(async ({ run }) => {
          const step = await run('echo before; false; echo after', { shell: 'sh' });
          assert.deepEqual([step.outcome.exitCode, step.stdout], [1, ['before']]);
        }));

      test('shell bash runs the script with bash and pipefail', () =>
        job(async ({ run }) => {
          const step = await run('echo "$BASH_VERSION" | grep -q . && echo bash; false | true; echo after', { shell: 'bash' });
          assert.deepEqual([step.outcome.exitCode, step.stdout], [1, ['bash']]);
        }));

      test('shell python runs the script with Python 3', () =>
        job(async ({ run }) => {
          const step = await run('import sys\nprint("python", sys.version_info[0])', { shell: 'python' });
          assert.deepEqual([step.outcome.exitCode, step.stdout], [0, ['python 3']]);
        }));

      test('a shell template runs the program with {0} replaced by the script file', () =>
        job(async ({ run }) => {
          // Plain `sh {0}` has no -e, so the script goes on after a failure.
          const step = await run('false; echo after', { shell: 'sh {0}' });
          assert.deepEqual([step.outcome.exitCode, step.stdout], [0, ['after']]);
        }));

      test('a bare program name as shell gets the script file as its argument', () =>
        job(async ({ run }) => {
          const step = await run('print("from python3")', { shell: 'python3' });
          assert.deepEqual(step.stdout, ['from python3']);
        }));

      test('a shell program that does not exist is an error naming it', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo hi', { shell: 'no-such-shell-xyz' });
          assert.equal(outcome.error, 'shell "no-such-shell-xyz" not found');
          assert.equal(outcome.exitCode, null);
        }));

      test('a shell with arguments but no {0} is an error that says {0} is needed', () =>
        job(async ({ run }) => {
          const { outcome } = await run('echo hi', { shell: 'bash -x' });
          assert.match(outcome.error ?? '', /must contain \{0\}/);
        }));
    });

    describe('cleanup', () => {
      test('cleanupJob removes the scratch files of the job', async () => {
        let files: string[] = [];
        await job(async ({ run }) => {
          const script = 'for f in "$DEPLOYLITE_OUTPUT" "$DEPLOYLITE_ENV" "$DEPLOYLITE_PATH"; do : >> "$f"; echo "$f"; done';
          files = (await run(script)).stdout;
          assert.equal(files.length, 3);
          for (const file of files) assert.equal(await readFile(file, 'utf8'), '');
        });
        for (const file of files) assert.equal(existsSync(file), false, `${file} still exists`);
      });
    });
  });
}

/** EventTarget keeps its listeners private; events.getEventListeners reads them. */
function listenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}
