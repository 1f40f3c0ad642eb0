/**
 * Reading fields of a webhook payload that has already been authenticated. A missing or
 * mistyped field throws PayloadError, which `parseWebhook` turns into a 400 naming the field.
 */
export type Json = Record<string, unknown>;

export class PayloadError extends Error {}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO_SHA = /^0+$/;
/** Most of what `git check-ref-format` refuses, and a leading `-` that git could read as an option. */
const BAD_REF = /[\s\\~^:?*[]|\.\.|@\{|^-|^\/|\/\/|\/$|(?:^|\/)\.|\.lock(?:\/|$)|\.$/;

function isBadRef(name: string): boolean {
  return BAD_REF.test(name) || [...name].some((char) => char.charCodeAt(0) < 0x20 || char === '\u007f');
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(body: Json, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new PayloadError(`the payload has no "${key}"`);
  return value;
}

export function object(body: Json, key: string): Json {
  const value = body[key];
  if (!isObject(value)) throw new PayloadError(`the payload has no "${key}" object`);
  return value;
}

/** A commit id (SHA-1 or SHA-256 repositories); it goes to git commands, so it is checked. */
export function commitId(body: Json, key: string): string {
  const value = text(body, key).toLowerCase();
  if (!SHA.test(value)) throw new PayloadError(`"${key}" is not a commit id`);
  return value;
}

/** All zeros: the "commit" of a deleted branch or tag. */
export function isZeroSha(value: unknown): boolean {
  return typeof value === 'string' && ZERO_SHA.test(value);
}

export function positiveInteger(value: unknown, key: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) throw new PayloadError(`the payload has no "${key}" number`);
  return number;
}

/** A branch name as a host sends it; it ends up in refs the server fetches. */
export function branchName(body: Json, key: string): string {
  const name = text(body, key);
  if (isBadRef(name)) throw new PayloadError(`"${key}" is not a valid branch name`);
  return name;
}

/** `refs/heads/x` → branch x, `refs/tags/v1` → tag v1; any other ref is not built. */
export function refParts(ref: string): { branch: string } | { tag: string } | undefined {
  if (isBadRef(ref)) throw new PayloadError('"ref" is not a valid git ref');
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) return { branch: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/') && ref.length > 'refs/tags/'.length) return { tag: ref.slice('refs/tags/'.length) };
  return undefined;
}

/** `{ repositoryUrl }` from a string field of the repository object, or nothing. */
export function repositoryUrl(repository: unknown, key: string): { repositoryUrl?: string } {
  return isObject(repository) && typeof repository[key] === 'string' && repository[key] !== '' ? { repositoryUrl: repository[key] } : {};
}

/** A user object's login (GitHub, Gitea) or username (GitLab, Gitea). */
export function login(user: unknown): string | undefined {
  if (!isObject(user)) return undefined;
  for (const key of ['login', 'username']) {
    const value = user[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** `before` of a push when it names a commit: absent (or zeros) for a newly created ref. */
export function previousCommit(body: Json): { before?: string } {
  const value = body.before;
  return typeof value === 'string' && SHA.test(value.toLowerCase()) && !isZeroSha(value) ? { before: value.toLowerCase() } : {};
}

/**
 * Every path the payload's `commits[]` list as added, modified or removed (GitHub, Gitea and
 * GitLab share the shape), or nothing when it lists no commits.
 */
export function pushedFiles(body: Json): { pushedFiles?: readonly string[] } {
  const commits = Array.isArray(body.commits) ? body.commits.filter(isObject) : [];
  if (commits.length === 0) return {};
  const files = new Set<string>();
  for (const commit of commits) {
    for (const key of ['added', 'modified', 'removed']) {
      const list = commit[key];
      if (Array.isArray(list)) for (const file of list) if (typeof file === 'string') files.add(file);
    }
  }
  return { pushedFiles: [...files] };
}
