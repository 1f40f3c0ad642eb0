/**
 * One line for a failed API call: the `Status` message the API server sent, else the error's own first line. The
 * client's full error text carries response headers and bodies; only the server's message is shown.
 */
export function apiMessage(thrown: unknown): string {
  const error = thrown as { code?: number; body?: unknown; message?: string; cause?: { code?: string } };
  let body = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      // not a Status object
    }
  }
  const status = body as { message?: unknown } | undefined;
  if (status !== null && typeof status === 'object' && typeof status.message === 'string') return `${status.message} (HTTP ${error.code ?? '?'})`;
  // The client's ApiException: "HTTP-Code: 401\nMessage: Unauthorized\nBody: …\nHeaders: …"; the body is shown above when
  // it is a Status, the headers never.
  const reason = /^Message: (.*)$/m.exec(error.message ?? '')?.[1];
  if (error.code !== undefined && reason !== undefined) return `${reason} (HTTP ${error.code})`;
  const cause = error.cause?.code;
  const first = (error.message ?? String(thrown)).split('\n')[0] ?? '';
  return cause !== undefined ? `${first} (${cause})` : first;
}

/** The API server answered 404: the object is already gone. */
export function isNotFound(thrown: unknown): boolean {
  return (thrown as { code?: number }).code === 404;
}
