import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, InvalidRequestError } from '../../../src/core/index.js';
import type { LogBatch, LogBatchResponse } from '../../../src/protocol/index.js';
import type { LogShipperOptions } from '../../../src/runner/log-shipper.js';
import { LogShipper } from '../../../src/runner/log-shipper.js';
import { waitFor } from './support/protocol-stub.js';

type Line = LogBatch['lines'][number];

/** A server in memory: stores lines at their offset like the real one; `answer` may override what it says. */
function fakeServer(answer?: (batch: LogBatch, held: Line[]) => Promise<LogBatchResponse | undefined> | LogBatchResponse | undefined) {
  const held: Line[] = [];
  const batches: LogBatch[] = [];
  const send = async (batch: LogBatch): Promise<LogBatchResponse> => {
    batches.push(batch);
    const override = await answer?.(batch, held);
    if (override) return override;
    if (batch.offset <= held.length) held.push(...batch.lines.slice(held.length - batch.offset));
    return { accepted: held.length };
  };
  return { held, batches, send };
}

function shipper(send: LogShipperOptions['send'], options: Partial<LogShipperOptions> = {}) {
  const failures: Error[] = [];
  const created = new LogShipper({
    send,
    now: () => 1000,
    flushMs: 5,
    maxBatchLines: 10,
    maxBufferedLines: 1000,
    onFailure: (error) => failures.push(error),
    ...options,
  });
  return { shipper: created, failures };
}

const texts = (lines: readonly Line[]) => lines.map((line) => line.text);
const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}`);

test('lines go out in batches of at most maxBatchLines, each numbered by the lines sent before it', async () => {
  const server = fakeServer();
  const { shipper: logs } = shipper(server.send);
  for (const text of numbered(25)) logs.write('stdout', text);
  assert.equal(await logs.finish(), 25);
  assert.deepEqual(
    server.batches.map((b) => [b.offset, b.lines.length]),
    [
      [0, 10],
      [10, 10],
      [20, 5],
    ],
  );
  assert.deepEqual(texts(server.held), numbered(25));
});

test('when the server holds fewer lines than were sent, the rest is sent again and nothing is duplicated', async () => {
  // This server keeps at most 4 lines of each batch.
  const server = fakeServer((batch, held) => {
    if (batch.offset <= held.length) held.push(...batch.lines.slice(held.length - batch.offset, held.length - batch.offset + 4));
    return { accepted: held.length };
  });
  const { shipper: logs } = shipper(server.send);
  for (const text of numbered(10)) logs.write('stdout', text);
  assert.equal(await logs.finish(), 10);
  assert.deepEqual(texts(server.held), numbered(10));
  assert.deepEqual(
    server.batches.map((b) => b.offset),
    [0, 4, 8],
  );
});

test('while the server cannot be reached, the buffer stays bounded and one line says how many were dropped', async () => {
  let reachable!: () => void;
  const unreachable = new Promise<void>((resolve) => (reachable = resolve));
  const server = fakeServer(async () => {
    await unreachable;
    return undefined;
  });
  const { shipper: logs } = shipper(server.send, { maxBufferedLines: 20 });
  for (const text of numbered(500)) logs.write('stdout', text);
  assert.ok(logs.backlog <= 21);
  const finished = logs.finish();
  reachable();
  assert.equal(await finished, 21);
  assert.deepEqual(texts(server.held), [...numbered(20), '… 480 log lines were dropped: the server could not be reached for too long']);
});

test('a line longer than the protocol allows is cut instead of getting its batch refused', async () => {
  const server = fakeServer();
  const { shipper: logs } = shipper(server.send);
  logs.write('stdout', 'x'.repeat(100_000));
  await logs.finish();
  const text = server.held[0]?.text ?? '';
  assert.equal(text.length, 64 * 1024);
  assert.ok(text.endsWith('(line cut: longer than 64 KiB)'));
});

test('a batch the server refuses for good is replaced by a line saying so, and later lines still arrive', async () => {
  let refused = false;
  const server = fakeServer(() => {
    if (refused) return undefined;
    refused = true;
    throw new InvalidRequestError('the server rejected the logs request (HTTP 413): too large');
  });
  const { shipper: logs } = shipper(server.send);
  for (const text of numbered(3)) logs.write('stdout', text);
  await waitFor('the refusal notice to arrive', () => server.held.length === 1);
  logs.write('stdout', 'after');
  assert.equal(await logs.finish(), 2);
  assert.deepEqual(texts(server.held), ['… 3 log lines were refused by the server: the server rejected the logs request (HTTP 413): too large', 'after']);
});

test('when the lease is gone, the shipper stops, reports it once and finish() rejects', async () => {
  const gone = new ConflictError('lease l1 is gone', 'lease.gone');
  const server = fakeServer(() => {
    throw gone;
  });
  const { shipper: logs, failures } = shipper(server.send);
  logs.write('stdout', 'one');
  await assert.rejects(logs.finish(), gone);
  logs.write('stdout', 'two');
  assert.deepEqual(failures, [gone]);
  assert.equal(server.batches.length, 1);
});
