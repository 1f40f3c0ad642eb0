import type { PullRequestType } from '../../pipeline/index.js';

/** A push or pull request, the same whichever Git host sent it. */
export interface TriggerEvent {
  readonly name: 'push' | 'pull_request';
  /**
   * The ref the server fetches: `refs/heads/main` or `refs/tags/v1` for pushes; for pull
   * requests the host's own head ref, `refs/pull/<n>/head` on GitHub and Gitea and
   * `refs/merge-requests/<iid>/head` on GitLab (GitLab has no `refs/pull/`), which also
   * exists for requests from forks.
   */
  readonly ref: string;
  /** The commit to build: the pushed commit, or the pull request's head commit. */
  readonly sha: string;
  /** Pushes of a branch; for pull requests, their head (source) branch. */
  readonly branch?: string;
  readonly tag?: string;
  /** Pull requests: the branch they target, which `on.pull_request.branches` filters on. */
  readonly baseBranch?: string;
  readonly action?: PullRequestAction;
  /** Pull request number (GitHub, Gitea) or merge request iid (GitLab). */
  readonly pullRequest?: number;
  /** Pushes: the commit the ref pointed to before, unless the push created the ref. */
  readonly before?: string;
  /** Pull requests: the base branch's commit the host compared against (`pull_request.base.sha`). */
  readonly baseSha?: string;
  /**
   * Pushes: the files the payload's `commits[]` list as added, modified or removed, when it
   * lists commits. Hosts cap that list (GitHub at 20 commits), so the server prefers a diff in
   * its mirror and uses this when it cannot make one (docs/server.md, "Path filters").
   */
  readonly pushedFiles?: readonly string[];
  /** Who pushed or acted on the pull request; "unknown" when the payload does not say. */
  readonly actor: string;
  /** The repository's HTTP clone URL, when the payload has one. */
  readonly repositoryUrl?: string;
}

/** GitHub's pull request actions that start runs; other hosts' actions are mapped onto these. */
export type PullRequestAction = PullRequestType;

/** The Git hosts whose webhooks the server understands. */
export type WebhookProvider = 'github' | 'gitea' | 'gitlab';
