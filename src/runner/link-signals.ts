/**
 * A signal that aborts with the first of `signals` (or after `timeoutMs`), and `release()`
 * to unhook it once the operation it guards is over. The runner combines its long-lived
 * shutdown signal with a short-lived one for every request; `AbortSignal.any` would do
 * that, but on Node 20 every combined signal stays registered on the long-lived one
 * (nodejs/node#55351), which grows without bound over weeks of polling.
 */
export function linkSignals(signals: readonly AbortSignal[], timeoutMs?: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const hooked: [AbortSignal, () => void][] = [];
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    for (const [source, listener] of hooked.splice(0)) source.removeEventListener('abort', listener);
    clearTimeout(timer);
  };
  for (const source of signals) {
    if (source.aborted) {
      controller.abort(source.reason);
      return { signal: controller.signal, release };
    }
    const listener = () => {
      release();
      controller.abort(source.reason);
    };
    source.addEventListener('abort', listener, { once: true });
    hooked.push([source, listener]);
  }
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      release();
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
  }
  return { signal: controller.signal, release };
}
