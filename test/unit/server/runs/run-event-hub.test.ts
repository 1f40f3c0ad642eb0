// The live run hub with a scripted store: what subscribers receive, how often the store is
// read, and when a subscription ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunSnapshot } from '../../../../src/server/runs/run-event-hub.js';
import { RunEventHub } from '../../../../src/server/runs/run-event-hub.js';

/** A run whose state the test sets; counts the hub's reads. */
function scriptedRun(initial: RunSnapshot | undefined) {
  const run = { state: initial, reads: 0 };
  const read = async () => {
    run.reads++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return run.state;
  };
  return { run, read };
}

function recorder() {
  const got: string[] = [];
  return { got, subscriber: { snapshot: (body: string) => got.push(body), end: () => got.push('end') } };
}

const settle = (ms = 60) => new Promise((resolve) => setTimeout(resolve, ms));

test('a subscriber gets the current state at once, then each different state, never the same one twice', async () => {
  const { run, read } = scriptedRun({ body: 'a', final: false });
  const hub = new RunEventHub(read, { minGapMs: 0 });
  const { got, subscriber } = recorder();
  hub.subscribe(1, subscriber);
  await settle();
  hub.runChanged(1);
  await settle();
  run.state = { body: 'b', final: false };
  hub.runChanged(1);
  await settle();
  assert.deepEqual(got, ['a', 'b']);
});

test('a burst of changes is read once or twice, not once per change', async () => {
  const { run, read } = scriptedRun({ body: 'a', final: false });
  const hub = new RunEventHub(read, { minGapMs: 20 });
  hub.subscribe(1, recorder().subscriber);
  await settle();
  const before = run.reads;
  for (let i = 0; i < 50; i++) hub.runChanged(1);
  await settle(100);
  assert.ok(run.reads - before <= 2, `${run.reads - before} reads for 50 changes`);
});

test('one read serves every subscriber of a run', async () => {
  const { run, read } = scriptedRun({ body: 'a', final: false });
  const hub = new RunEventHub(read, { minGapMs: 0 });
  const first = recorder();
  const second = recorder();
  hub.subscribe(1, first.subscriber);
  hub.subscribe(1, second.subscriber);
  await settle();
  run.state = { body: 'b', final: false };
  const before = run.reads;
  hub.runChanged(1);
  await settle();
  assert.equal(run.reads - before, 1);
  assert.deepEqual([first.got, second.got], [['a', 'b'], ['a', 'b']]);
});

test('a finished run is sent, then the subscription ends and the hub forgets it', async () => {
  const { run, read } = scriptedRun({ body: 'a', final: false });
  const hub = new RunEventHub(read, { minGapMs: 0 });
  const { got, subscriber } = recorder();
  hub.subscribe(1, subscriber);
  await settle();
  run.state = { body: 'done', final: true };
  hub.refreshAll();
  await settle();
  assert.deepEqual(got, ['a', 'done', 'end']);
  assert.equal(hub.size, 0);
});

test('a run that does not exist (any more) ends its subscriptions', async () => {
  const { read } = scriptedRun(undefined);
  const hub = new RunEventHub(read, { minGapMs: 0 });
  const { got, subscriber } = recorder();
  hub.subscribe(7, subscriber);
  await settle();
  assert.deepEqual(got, ['end']);
});

test('a closed subscription gets nothing more, and a run nobody watches is not read', async () => {
  const { run, read } = scriptedRun({ body: 'a', final: false });
  const hub = new RunEventHub(read, { minGapMs: 0 });
  const { got, subscriber } = recorder();
  hub.subscribe(1, subscriber).close();
  await settle();
  const before = run.reads;
  run.state = { body: 'b', final: false };
  hub.runChanged(1);
  hub.refreshAll();
  await settle();
  assert.equal(run.reads, before);
  assert.ok(!got.includes('b'));
  assert.equal(hub.size, 0);
});
