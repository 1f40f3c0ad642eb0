// Drives the bundled `deploylite` CLI (bin/deploylite → dist/) as a separate process, the
// way a user or a CI script does. Build it first: `node scripts/build.mjs`.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dedent } from '../../support/dedent.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(REPO_ROOT, 'bin', 'deploylite');

export interface CliOptions {
  readonly cwd: string;
  /** Added to the test process's environment. */
  readonly env?: Record<string, string>;
  /** The CLI is SIGKILLed after this long and the test fails; default 20 s. */
  readonly timeoutMs?: number;
}

export interface CliResult {
  /** Exit code, or null when the process died of a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StartedCli {
  readonly child: ChildProcess;
  /** Output collected so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Settles when the process has exited and its output is complete. */
  readonly exited: Promise<CliResult>;
}

/** Starts the CLI and returns at once, for tests that send it signals. */
export function startCli(args: readonly string[], options: CliOptions): StartedCli {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  // The test runner's own markers must not leak into the CLI (it would think it is a test).
  delete env.NODE_TEST_CONTEXT;
  if (!options.env?.DEPLOYLITE_LOCAL_DB) delete env.DEPLOYLITE_LOCAL_DB;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const exited = new Promise<CliResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deploylite ${args.join(' ')} did not exit within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const settle = () => resolvePromise({ code, signal, stdout, stderr });
      // 'close' waits for the pipes too, but a leftover grandchild could hold them open.
      const fallback = setTimeout(settle, 1000);
      child.on('close', () => {
        clearTimeout(fallback);
        settle();
      });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).exited;
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh temporary directory holding `files` (paths relative to it; their text is
 * dedented, so YAML can be written inline). Removed when the test process exits.
 */
export function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploylite-e2e-'));
  created.push(dir);
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, dedent(text));
  }
  return dir;
}

/** A file a step wrote, or '' when it does not exist. */
export function readOr(path: string, fallback = ''): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
}

/** Waits until a step has written `path` (its content non-empty), polling. */
export async function waitForFile(path: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readOr(path).trim();
    if (text !== '') return text;
    if (Date.now() > deadline) throw new Error(`${path} was not written within ${timeoutMs}ms`);
    await sleep(20);
  }
}

/**
 * Whether a process still exists. A zombie counts as gone: it has been killed and only
 * waits to be reaped (this machine's init may never reap orphans).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (thrown) {
    return (thrown as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readOr(`/proc/${pid}/stat`);
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Waits (briefly) for a process to be gone; returns whether it is. */
export async function waitUntilGone(pid: number, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Kills whatever a failed test left running (a process group, then the process). */
export function killLeftover(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone: what a passing test leaves.
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

/** The user never sees a JavaScript stack trace, whatever went wrong. */
export function assertNoStackTrace(result: CliResult): void {
  for (const text of [result.stdout, result.stderr]) {
    assert.doesNotMatch(text, /^\s+at .+[:(]/m, `a stack trace reached the user:\n${text}`);
  }
}

/** The exit code, with the output in the message when it is not the expected one. */
export function assertExit(result: CliResult, expected: number): void {
  assert.equal(result.code, expected, `exit code ${result.code} (signal ${result.signal}), expected ${expected}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}
