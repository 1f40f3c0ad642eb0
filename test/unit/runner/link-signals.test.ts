import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { linkSignals } from '../../../src/runner/link-signals.js';

test('a linked signal aborts with the first of its sources, with that source’s reason', () => {
  const shutdown = new AbortController();
  const request = new AbortController();
  const linked = linkSignals([request.signal, shutdown.signal]);
  shutdown.abort(new Error('stopping'));
  assert.equal(linked.signal.aborted, true);
  assert.deepEqual(linked.signal.reason, new Error('stopping'));
});

test('a linked signal aborts with a TimeoutError after its timeout', async () => {
  const linked = linkSignals([new AbortController().signal], 10);
  await new Promise((resolve) => linked.signal.addEventListener('abort', resolve));
  assert.equal((linked.signal.reason as DOMException).name, 'TimeoutError');
});

test('released links leave nothing attached to a long-lived signal, however many requests it guarded', () => {
  const shutdown = new AbortController();
  for (let i = 0; i < 1000; i++) linkSignals([new AbortController().signal, shutdown.signal], 30_000).release();
  assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
});
