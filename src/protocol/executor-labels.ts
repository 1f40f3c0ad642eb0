/**
 * Labels that carry what a runner's executor can do, so the scheduler's label matching (every label a queued job
 * needs is one of the runner's) keeps jobs away from runners that cannot run them as asked. A runner adds them to
 * the labels it registers with; the server adds the matching ones to a job's queue entry.
 */
export const EXECUTOR_LABEL = {
  /** The runner runs each job in its `image:` (docker, kubernetes). */
  images: 'executor:container',
  /** The runner can run a job with `network: none`. */
  networkIsolation: 'executor:network-none',
} as const;

/** The labels a runner advertises for its executor: `executor:<name>` and one per capability. */
export function executorLabels(name: string, supports: { readonly images?: boolean; readonly networkIsolation?: boolean } | undefined): string[] {
  return [
    `executor:${name}`,
    ...(supports?.images === true ? [EXECUTOR_LABEL.images] : []),
    ...(supports?.networkIsolation === true ? [EXECUTOR_LABEL.networkIsolation] : []),
  ];
}

/** The capability labels a job needs on top of its `runs-on`. */
export function requiredExecutorLabels(job: { readonly image?: string; readonly services?: readonly unknown[]; readonly network?: string }): string[] {
  const needsContainers = job.image !== undefined || (job.services?.length ?? 0) > 0;
  return [...(needsContainers ? [EXECUTOR_LABEL.images] : []), ...(job.network === 'none' ? [EXECUTOR_LABEL.networkIsolation] : [])];
}
