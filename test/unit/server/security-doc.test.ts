import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderPermissionTable } from '../../../src/server/api/permission-table.js';

test('docs/security.md holds the permission table the server enforces (npm run docs:security rewrites it)', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/security.md'), 'utf8');
  const section = /<!-- permissions:begin[^>]*-->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(doc)?.[1];
  assert.ok(section !== undefined, 'docs/security.md has no generated permissions section');
  assert.equal(section, renderPermissionTable());
});
