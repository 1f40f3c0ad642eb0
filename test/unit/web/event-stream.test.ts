// The dashboard's Server-Sent Events reader, fed the way a network delivers a stream: in
// chunks that split events, lines and characters anywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerSentEvent } from '../../../web/src/api/event-stream.js';
import { readServerSentEvents } from '../../../web/src/api/event-stream.js';

function streamOf(chunks: readonly (string | Uint8Array)[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

async function read(chunks: readonly (string | Uint8Array)[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  await readServerSentEvents(streamOf(chunks), (event) => events.push(event));
  return events;
}

test('events split across chunks arrive whole and in order', async () => {
  const events = await read(['event: run\nda', 'ta: {"id":1}\n', '\nevent: end\ndata: {}\n\n']);
  assert.deepEqual(events, [
    { event: 'run', data: '{"id":1}' },
    { event: 'end', data: '{}' },
  ]);
});

test('a character split between chunks is decoded, not mangled', async () => {
  const bytes = new TextEncoder().encode('event: run\ndata: "déjà vu"\n\n');
  const cut = bytes.indexOf(0xc3) + 1;
  assert.deepEqual(await read([bytes.slice(0, cut), bytes.slice(cut)]), [{ event: 'run', data: '"déjà vu"' }]);
});

test('keepalive comments are skipped, CRLF line ends and multi-line data are understood', async () => {
  const events = await read([': keepalive\n\n', 'data: first\r\ndata: second\r\n\r\n']);
  assert.deepEqual(events, [{ event: 'message', data: 'first\nsecond' }]);
});

test('an event the stream was cut in the middle of is not delivered', async () => {
  assert.deepEqual(await read(['event: run\ndata: {"id":1}\n\nevent: run\ndata: {"i']), [{ event: 'run', data: '{"id":1}' }]);
});
