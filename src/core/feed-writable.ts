/** What feedWritable needs of its target: a tar-stream extractor (a streamx Writable) or a Node Writable. */
export interface FedWritable {
  readonly destroyed: boolean;
  write(chunk: Uint8Array): boolean;
  end(chunk?: undefined): unknown;
  destroy(error?: Error): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Writes `source` into a tar-stream extractor (a streamx Writable), waiting on backpressure, then ends it. Stops as soon as
 * the writable is destroyed (the reader stopped early or failed), also while waiting for 'drain', which a
 * destroyed stream never emits; a source error destroys the writable with it.
 */
export async function feedWritable(source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream, target: FedWritable): Promise<void> {
  const closed = new Promise<void>((resolve) => target.once('close', () => resolve()));
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      if (target.destroyed) return;
      if (!target.write(chunk)) await Promise.race([new Promise<void>((resolve) => target.once('drain', () => resolve())), closed]);
    }
    if (!target.destroyed) target.end(undefined);
  } catch (thrown) {
    target.destroy(thrown as Error);
    throw thrown;
  }
}
