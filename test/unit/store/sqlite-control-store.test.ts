import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openControlStore } from '../../../src/store/index.js';
import { describeControlStoreConformance } from './control-store-suite.js';

let dir = '';
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'control-store-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describeControlStoreConformance('sqlite', () => openControlStore({ sqlitePath: join(dir, `store-${++count}.db`) }));

test('openControlStore creates the directory of the SQLite file', async () => {
  const path = join(dir, 'nested', 'deeper', 'control.db');
  const store = await openControlStore({ sqlitePath: path });
  await store.close();
  assert.equal(existsSync(path), true);
});

test('the SQLite store writes ahead (WAL) so readers do not wait for the writer', async () => {
  const path = join(dir, 'wal.db');
  const store = await openControlStore({ sqlitePath: path });
  try {
    await store.migrate();
    assert.equal(existsSync(`${path}-wal`), true);
  } finally {
    await store.close();
  }
});
