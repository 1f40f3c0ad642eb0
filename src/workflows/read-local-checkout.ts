import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import type { CheckoutFacts } from './github-context.js';

/**
 * What `git` says about the checkout a local run works in: the commit, the branch, the
 * repository (from the `origin` remote) and the actor (the Git user). Outside a checkout,
 * or without git, the commit is zeros and the branch unknown, as for a fresh directory.
 */
export function readLocalCheckout(workspace: string): CheckoutFacts {
  const sha = git(workspace, ['rev-parse', '--verify', '-q', 'HEAD']);
  const branch = git(workspace, ['symbolic-ref', '--short', '-q', 'HEAD']);
  const remote = git(workspace, ['config', '--get', 'remote.origin.url']);
  const actor = git(workspace, ['config', '--get', 'user.name']) ?? localUser();
  return {
    sha: sha && /^[0-9a-f]{40}$/.test(sha) ? sha : '0'.repeat(40),
    ...(branch ? { branch } : {}),
    repository: (remote && repositoryOf(remote)) ?? `local/${basename(workspace)}`,
    actor,
    workspace,
  };
}

/** `git@github.com:owner/name.git`, `https://host/owner/name(.git)` → `owner/name`. */
export function repositoryOf(remoteUrl: string): string | undefined {
  const match = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(remoteUrl.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'local';
  }
}
