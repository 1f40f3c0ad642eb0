/** A refusal or failure as the API reports it (`{ error: { code, message, field? } }`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  readonly token?: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** One JSON request to the server that served the page; no retries, no refresh (see api.ts). */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const text = await (await send(method, path, 'application/json', options)).text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A file the server makes (an export), as a Blob to save: a plain link could not carry the token. */
export async function requestBlob(path: string, accept: string, options: RequestOptions = {}): Promise<Blob> {
  return (await send('GET', path, accept, options)).blob();
}

/** A response to read as it arrives (Server-Sent Events); abort `options.signal` to close it. */
export function requestStream(path: string, options: RequestOptions = {}): Promise<Response> {
  return send('GET', path, 'text/event-stream', options);
}

/** The response to one request, or the refusal as an ApiError. */
async function send(method: string, path: string, accept: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      // No cookies exist; sending none also means no request can ride on ambient credentials.
      credentials: 'omit',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (thrown) {
    if (thrown instanceof DOMException && thrown.name === 'AbortError') throw thrown;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection; the page retries on its own.');
  }
  if (!response.ok) throw errorFrom(response.status, await response.text());
  return response;
}

function errorFrom(status: number, text: string): ApiError {
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; field?: string } };
    if (error?.message) return new ApiError(status, error.code ?? 'error', error.message, error.field);
  } catch {
    // Not the API's JSON (a proxy's error page): fall through to a generic message.
  }
  return new ApiError(status, 'error', `The server answered ${status}.`);
}
