// Runs the real `deployctl` (bin/deployctl → dist/) as a separate process with its own saved
// login, and stdin piped in the way a script pipes a password or a secret value.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from './cli.js';
import { REPO_ROOT } from './cli.js';

export interface DeployctlRun {
  /** The saved login ($DEPLOYCTL_CONFIG). */
  readonly config: string;
  /** Written to stdin, then closed; without it stdin is empty (and not a terminal). */
  readonly input?: string;
  readonly env?: Record<string, string>;
  /** SIGKILLed after this long and the test fails; default 30 s. */
  readonly timeoutMs?: number;
}

export function deployctl(args: readonly string[], run: DeployctlRun): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEPLOYCTL_CONFIG: run.config, NO_COLOR: '1', ...run.env };
  delete env.NODE_TEST_CONTEXT;
  if (!run.env?.DEPLOYLITE_SERVER) delete env.DEPLOYLITE_SERVER;
  if (!run.env?.DEPLOYLITE_TOKEN) delete env.DEPLOYLITE_TOKEN;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(run.input ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = run.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deployctl ${args.join(' ')} did not exit within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What `deployctl login --user` saved. */
export interface SavedSessionFile {
  server: string;
  token: string;
  session: { username: string; refreshToken: string; accessTokenExpiresAt: number; refreshTokenExpiresAt: number };
}

export function readSavedSession(config: string): SavedSessionFile {
  return JSON.parse(readFileSync(config, 'utf8')) as SavedSessionFile;
}
