import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { openControlStore } from '../../../../src/store/index.js';
import { describeScheduler } from './scheduler-suite.js';

let dir = '';
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scheduler-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describeScheduler('sqlite', () => openControlStore({ sqlitePath: join(dir, `store-${++count}.db`) }));
