import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveServerSettings } from '../../../src/main/server-config.js';
import { workdir } from '../../e2e/support/cli.js';

const noFlags = { runner: true };

test('embedded defaults: SQLite in ./.deploylite/server, loopback, a built-in runner', () => {
  const settings = resolveServerSettings(noFlags, {}, '/srv');
  assert.deepEqual(
    [settings.host, settings.port, settings.dataDir, settings.databaseDsn, settings.runner.enabled, settings.leaseTtlMs],
    ['127.0.0.1', 7391, '/srv/.deploylite/server', undefined, true, 30_000],
  );
});

test('precedence: defaults < config file < environment < flags', () => {
  const dir = workdir();
  const file = join(dir, 'deploylite.yaml');
  writeFileSync(file, 'port: 8001\nhost: 0.0.0.0\nlease:\n  ttl: 10s\nrunner:\n  capacity: 3\n');
  const fromFile = resolveServerSettings({ ...noFlags, config: file }, {}, dir);
  assert.deepEqual([fromFile.port, fromFile.host, fromFile.leaseTtlMs, fromFile.runner.capacity], [8001, '0.0.0.0', 10_000, 3]);
  const fromEnv = resolveServerSettings({ ...noFlags, config: file }, { DEPLOYLITE_PORT: '8002', DEPLOYLITE_LEASE_TTL: '5s' }, dir);
  assert.deepEqual([fromEnv.port, fromEnv.host, fromEnv.leaseTtlMs], [8002, '0.0.0.0', 5_000]);
  const fromFlags = resolveServerSettings({ runner: false, config: file, port: '8003' }, { DEPLOYLITE_PORT: '8002' }, dir);
  assert.deepEqual([fromFlags.port, fromFlags.runner.enabled], [8003, false]);
});

test('bad settings are errors naming the setting, and a DSN password never shows', () => {
  assert.throws(() => resolveServerSettings(noFlags, { DEPLOYLITE_PORT: 'eighty' }, '/'), /port: expected a whole number from 0 to 65535, got "eighty"/);
  assert.throws(() => resolveServerSettings(noFlags, { DEPLOYLITE_LEASE_ON_LOST: 'retry' }, '/'), /lease\.onLost: expected requeue or fail/);
  assert.throws(
    () => resolveServerSettings(noFlags, { DEPLOYLITE_DB_DSN: 'mysql://root:hunter2@db/x' }, '/'),
    (error: Error) => /expected postgres:\/\//.test(error.message) && !error.message.includes('hunter2'),
  );
  const dir = workdir({ 'c.yaml': 'lease:\n  tll: 5s\n' });
  assert.throws(() => resolveServerSettings({ ...noFlags, config: join(dir, 'c.yaml') }, {}, dir), /unknown setting "lease\.tll"/);
});

test('artifact retention: 20 versions, 30 days idle and no size cap unless the file or environment says otherwise', () => {
  assert.deepEqual(resolveServerSettings(noFlags, {}, '/').artifactRetention, { keepVersions: 20, maxIdleMs: 30 * 24 * 3600 * 1000 });
  const dir = workdir({ 'c.yaml': 'artifacts:\n  retention:\n    keepVersions: 5\n    maxIdle: 7d\n    maxTotalSize: 50G\n' });
  const fromFile = resolveServerSettings({ ...noFlags, config: join(dir, 'c.yaml') }, { DEPLOYLITE_ARTIFACTS_KEEP_VERSIONS: '3' }, dir);
  assert.deepEqual(fromFile.artifactRetention, { keepVersions: 3, maxIdleMs: 7 * 24 * 3600 * 1000, maxTotalBytes: 50 * 1024 ** 3 });
  assert.throws(() => resolveServerSettings(noFlags, { DEPLOYLITE_ARTIFACTS_KEEP_VERSIONS: '0' }, '/'), /artifacts\.retention\.keepVersions: expected a whole number from 1/);
  assert.throws(() => resolveServerSettings(noFlags, { DEPLOYLITE_ARTIFACTS_MAX_TOTAL_SIZE: 'lots' }, '/'), /artifacts\.retention\.maxTotalSize \(DEPLOYLITE_ARTIFACTS_MAX_TOTAL_SIZE\): expected a size/);
});
