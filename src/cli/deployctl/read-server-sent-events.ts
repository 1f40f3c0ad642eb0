/** One Server-Sent Events message: `event:` (default "message"), joined `data:` lines, last `id:`. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** The stream sent nothing, not even a comment, for longer than allowed. */
export class StreamIdleError extends Error {
  constructor(idleMs: number) {
    super(`no data for ${Math.round(idleMs / 1000)}s`);
    this.name = 'StreamIdleError';
  }
}

/**
 * Parses an event stream as the WHATWG spec says: lines end with CRLF, LF or CR; `field:
 * value` (one space after the colon dropped); lines starting with `:` are comments; a blank
 * line ends a message. A message cut off by the end of the stream is dropped, not half
 * delivered — the caller reconnects and gets it whole. Stops reading (and throws
 * StreamIdleError) when no bytes arrive for `idleMs`, so a silently dead connection is
 * noticed.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  idleMs = Number.POSITIVE_INFINITY,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let lastId: string | undefined;
  let sawField = false;
  try {
    for (;;) {
      const chunk = await readWithin(reader, idleMs);
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (;;) {
        const end = buffer.search(/\r\n|\n|\r/);
        // A lone CR at the end of the buffer may be the first half of a CRLF.
        if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
        if (line === '') {
          if (sawField) yield { event: event || 'message', data: data.join('\n'), id: lastId };
          event = '';
          data = [];
          sawField = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) lastId = value;
        else continue; // `retry:` and unknown fields
        sawField = true;
      }
    }
  } finally {
    // Releases the connection when the consumer stops early (break, throw, abort).
    await reader.cancel().catch(() => undefined);
  }
}

async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, idleMs: number) {
  if (!Number.isFinite(idleMs)) return reader.read();
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StreamIdleError(idleMs)), idleMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}
