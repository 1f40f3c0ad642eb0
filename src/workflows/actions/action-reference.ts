/** What a step's `uses:` names, sorted by where DeployLite finds it. */
export type ActionReference =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'repository'; readonly owner: string; readonly repo: string; readonly path: string; readonly ref: string }
  | { readonly kind: 'docker'; readonly image: string }
  | { readonly kind: 'invalid' };

/**
 * Splits `uses:` as GitHub reads it: `./dir` (a directory of the checkout), `docker://image`, or
 * `owner/repo[/path]@ref`. Owner and repository are compared without case, as on GitHub.
 */
export function parseActionReference(uses: string): ActionReference {
  if (uses.startsWith('./') || uses.startsWith('.\\')) return { kind: 'local', path: uses.slice(2) };
  if (uses.startsWith('docker://')) return { kind: 'docker', image: uses.slice('docker://'.length) };
  const at = uses.lastIndexOf('@');
  if (at <= 0 || at === uses.length - 1) return { kind: 'invalid' };
  const [owner, repo, ...path] = uses.slice(0, at).split('/');
  // GitHub's own name rules, which also keep `..` from leading out of the action store.
  if (!owner || !/^[A-Za-z0-9-]+$/.test(owner) || !repo || !/^[A-Za-z0-9._-]+$/.test(repo) || /^\.\.?$/.test(repo)) return { kind: 'invalid' };
  if (path.some((part) => part === '' || part === '.' || part === '..')) return { kind: 'invalid' };
  return { kind: 'repository', owner: owner.toLowerCase(), repo: repo.toLowerCase(), path: path.join('/'), ref: uses.slice(at + 1) };
}
