import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBudget } from '../../../src/main/local-cache.js';
import { resolveServerSettings } from '../../../src/main/server-config.js';
import { workdir } from '../../e2e/support/cli.js';

test('a cache budget is bytes or a size with a binary unit', () => {
  assert.deepEqual([parseBudget('1048576'), parseBudget('500M'), parseBudget('2GiB'), parseBudget('1.5k'), parseBudget(undefined)], [1048576, 500 * 1024 ** 2, 2 * 1024 ** 3, 1536, undefined]);
  assert.throws(() => parseBudget('lots'), /DEPLOYLITE_CACHE_BUDGET: expected a size such as 2G or 500M, got "lots"/);
});

test('the server reads caches.budget from its config file, DEPLOYLITE_CACHE_BUDGET over it; unset leaves the default', () => {
  const dir = workdir();
  writeFileSync(join(dir, 'c.yaml'), 'caches:\n  budget: 3G\n');
  assert.equal(resolveServerSettings({ runner: true, config: join(dir, 'c.yaml') }, {}, dir).cacheBudgetBytes, 3 * 1024 ** 3);
  assert.equal(resolveServerSettings({ runner: true, config: join(dir, 'c.yaml') }, { DEPLOYLITE_CACHE_BUDGET: '100M' }, dir).cacheBudgetBytes, 100 * 1024 ** 2);
  assert.equal(resolveServerSettings({ runner: true }, {}, dir).cacheBudgetBytes, undefined);
});
