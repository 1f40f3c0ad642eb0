import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRunAfter } from '../../../../src/server/triggers/index.js';

const at = Date.UTC(2026, 10, 22, 10, 7, 30); // Sunday 2026-11-22 10:07:30 UTC
const next = (cron: string, after = at) => new Date(nextRunAfter(cron, after)).toISOString();

test('a 5-field expression fires at the next matching minute, in UTC', () => {
  assert.equal(next('*/15 * * * *'), '2026-11-22T10:15:00.000Z');
  assert.equal(next('0 3 * * 1'), '2026-11-23T03:00:00.000Z');
  assert.equal(next('30 2 1 * *'), '2026-12-01T02:30:00.000Z');
});

test('a 6-field expression has seconds first', () => {
  assert.equal(next('*/20 * * * * *'), '2026-11-22T10:07:40.000Z');
  assert.equal(next('15 0 12 * * *'), '2026-11-22T12:00:15.000Z');
});

test('the firing is strictly after the given time, so a tick at the firing moves on', () => {
  const firing = Date.UTC(2026, 10, 22, 10, 15, 0);
  assert.equal(next('*/15 * * * *', firing), '2026-11-22T10:30:00.000Z');
});
