import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeployctlContext } from '../../../../../src/cli/deployctl/index.js';
import { runDeployctl } from '../../../../../src/cli/deployctl/index.js';

export interface DeployctlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestSetup {
  readonly env?: DeployctlContext['env'];
  readonly configPath?: string;
  readonly signal?: AbortSignal;
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
  const code = await runDeployctl(
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
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
  return { code, stdout, stderr };
}
