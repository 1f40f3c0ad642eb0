import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeployctlContext, SecretInput } from '../../../../../src/cli/deployctl/index.js';
import { runDeployctl } from '../../../../../src/cli/deployctl/index.js';

export interface DeployctlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The hidden prompts shown, in order. */
  readonly prompts: readonly string[];
}

export interface TestSetup {
  readonly env?: DeployctlContext['env'];
  readonly configPath?: string;
  readonly signal?: AbortSignal;
  /** Piped into stdin (stdin is then not a terminal). */
  readonly stdin?: string;
  /** Typed at the hidden prompts, one answer each (stdin is then a terminal). */
  readonly typed?: readonly string[];
  /** Epoch milliseconds for the whole command. */
  readonly now?: number;
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A config path in a fresh temporary directory (removed when the test file ends). */
export function tempConfigPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deployctl-test-'));
  tempDirs.push(dir);
  return join(dir, 'config', 'deployctl.json');
}

/** Runs `deployctl ARGV` in-process with captured output and fast polling. */
export async function deployctl(argv: readonly string[], setup: TestSetup = {}): Promise<DeployctlResult> {
  let stdout = '';
  let stderr = '';
  const prompts: string[] = [];
  const answers = [...(setup.typed ?? [])];
  const input: SecretInput = {
    isTerminal: setup.typed !== undefined,
    readAll: () => Promise.resolve(setup.stdin ?? ''),
    readHidden(prompt) {
      prompts.push(prompt);
      const answer = answers.shift();
      return answer === undefined ? Promise.reject(new Error(`no answer typed for "${prompt}"`)) : Promise.resolve(answer);
    },
  };
  const code = await runDeployctl(
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      input,
      ...(setup.now !== undefined && { now: () => setup.now as number }),
      color: false,
      env: setup.env ?? {},
      configPath: setup.configPath ?? tempConfigPath(),
      fetch: globalThis.fetch,
      signal: setup.signal ?? new AbortController().signal,
      timing: { pollIntervalMs: 10, reconnectDelayMs: 5, requestTimeoutMs: 5000, streamIdleMs: 5000, maxReconnects: 3 },
    },
    argv,
    '0.0.0-test',
  );
  return { code, stdout, stderr, prompts };
}
