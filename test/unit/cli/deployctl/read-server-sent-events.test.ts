import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerSentEvent } from '../../../../src/cli/deployctl/read-server-sent-events.js';
import { readServerSentEvents, StreamIdleError } from '../../../../src/cli/deployctl/read-server-sent-events.js';

/** A body delivered in the given chunks (strings or raw bytes). */
function body(chunks: readonly (string | Uint8Array)[], { stayOpen = false } = {}): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
      if (!stayOpen) controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>, idleMs?: number): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(stream, idleMs)) events.push(event);
  return events;
}

test('messages end at a blank line; event, data and id are read; comments are ignored', async () => {
  const events = await collect(body([': keep-alive\n\nid: 1\nevent: line\ndata: {"a":1}\n\nevent: end\ndata: {}\n\n']));
  assert.deepEqual(events, [
    { event: 'line', data: '{"a":1}', id: '1' },
    { event: 'end', data: '{}', id: '1' },
  ]);
});

test('several data lines join with newlines; CRLF and CR end lines too', async () => {
  const events = await collect(body(['data: one\r\ndata:two\r\rdata: three\r\n\r\n']));
  assert.deepEqual(events.map((event) => [event.event, event.data]), [['message', 'one\ntwo'], ['message', 'three']]);
});

test('a message split across chunks, even inside a UTF-8 character or a CRLF, arrives whole', async () => {
  const bytes = new TextEncoder().encode('event: line\r\ndata: héllo ✓\r\n\r\n');
  const chunks = [...bytes].map((byte) => new Uint8Array([byte]));
  assert.deepEqual(await collect(body(chunks)), [{ event: 'line', data: 'héllo ✓', id: undefined }]);
});

test('a message cut off by the end of the stream is dropped, not half delivered', async () => {
  const events = await collect(body(['id: 1\ndata: whole\n\nid: 2\ndata: {"text":"ha']));
  assert.deepEqual(events, [{ event: 'message', data: 'whole', id: '1' }]);
});

test('a stream that sends nothing for the idle time fails with StreamIdleError', async () => {
  await assert.rejects(collect(body(['data: a\n\n'], { stayOpen: true }), 30), StreamIdleError);
});
