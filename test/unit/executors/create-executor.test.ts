import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeployliteError } from '../../../src/core/index.js';
import type { ExecutorSettings } from '../../../src/executors/index.js';
import { createExecutor, EXECUTOR_NAMES, parseExecutorName, parseNetworkMode } from '../../../src/executors/index.js';

const settings: ExecutorSettings = { killGraceMs: 100, tempRoot: '/tmp', hiddenPaths: [], env: process.env };

test('the executor name defaults to local, and an unknown one is a usage error listing the known ones', () => {
  assert.equal(parseExecutorName(undefined), 'local');
  assert.equal(parseExecutorName('sandbox'), 'sandbox');
  assert.throws(() => parseExecutorName('vm'), { code: 'usage', message: '--executor expects local, sandbox, docker, kubernetes, got "vm"' });
});

test('the sandbox network mode is host unless none is asked for; anything else is a usage error', () => {
  assert.deepEqual([parseNetworkMode(undefined), parseNetworkMode('none'), parseNetworkMode('host')], ['host', 'none', 'host']);
  assert.throws(() => parseNetworkMode('bridge'), /--sandbox-network expects none or host, got "bridge"/);
});

test('local and sandbox executors are built under their names', async () => {
  assert.equal((await createExecutor('local', settings)).name, 'local');
  const sandbox = await createExecutor('sandbox', settings);
  assert.deepEqual([sandbox.name, sandbox.supports?.networkIsolation], ['sandbox', true]);
});

test('every known executor is either built or refused with "not available yet", never anything else', async () => {
  for (const name of EXECUTOR_NAMES) {
    try {
      assert.equal((await createExecutor(name, settings)).name, name);
    } catch (thrown) {
      // A container executor may exist but find no engine here; that error names it too.
      assert.ok(thrown instanceof DeployliteError, String(thrown));
      assert.match(thrown.message, new RegExp(`executor ${name} is not available yet|${name}`));
    }
  }
});
