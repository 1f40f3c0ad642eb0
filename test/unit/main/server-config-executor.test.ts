import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveServerSettings } from '../../../src/main/server-config.js';
import { workdir } from '../../e2e/support/cli.js';

const noFlags = { runner: true };

test("the built-in runner's executor is local with the host network unless configured", () => {
  const settings = resolveServerSettings(noFlags, {}, '/srv');
  assert.deepEqual([settings.runner.executor, settings.runner.sandboxNetwork], ['local', 'host']);
});

test("the built-in runner's executor and sandbox network come from the config file or the environment", () => {
  const dir = workdir();
  const file = join(dir, 'deploylite.yaml');
  writeFileSync(file, 'runner:\n  executor: sandbox\n  sandboxNetwork: none\n');
  const fromFile = resolveServerSettings({ ...noFlags, config: file }, {}, dir);
  assert.deepEqual([fromFile.runner.executor, fromFile.runner.sandboxNetwork], ['sandbox', 'none']);
  const fromEnv = resolveServerSettings(noFlags, { DEPLOYLITE_RUNNER_EXECUTOR: 'docker', DEPLOYLITE_SANDBOX_NETWORK: 'host' }, dir);
  assert.deepEqual([fromEnv.runner.executor, fromEnv.runner.sandboxNetwork], ['docker', 'host']);
});

test('an unknown executor in the server configuration is a usage error naming the setting', () => {
  assert.throws(() => resolveServerSettings(noFlags, { DEPLOYLITE_RUNNER_EXECUTOR: 'vm' }, '/srv'), {
    code: 'usage',
    message: 'runner.executor (DEPLOYLITE_RUNNER_EXECUTOR) expects local, sandbox, docker, kubernetes, got "vm"',
  });
});
