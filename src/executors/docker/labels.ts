/**
 * Labels on every container, network and volume the Docker executor creates. They are how a runner finds what it
 * left behind after a crash (`removeLeftovers`), and how a resumed run finds its own (`reclaimRun`): nothing else
 * on the engine is ever touched.
 */
export const LABEL_RUNNER = 'deploylite.runner';
export const LABEL_RUN = 'deploylite.run';
export const LABEL_JOB = 'deploylite.job';
/** `job`, `service` or `network`: what the object is to the executor. */
export const LABEL_ROLE = 'deploylite.role';
/** Containers of the warm pool carry the key they may be reused under. */
export const LABEL_POOL = 'deploylite.pool';

export interface LabelScope {
  readonly runnerId: string;
  readonly runId?: number;
  readonly jobKey?: string;
}

export function labelsFor(scope: LabelScope, role: 'job' | 'service' | 'network'): Record<string, string> {
  return {
    [LABEL_RUNNER]: scope.runnerId,
    [LABEL_ROLE]: role,
    ...(scope.runId !== undefined ? { [LABEL_RUN]: String(scope.runId) } : {}),
    ...(scope.jobKey !== undefined ? { [LABEL_JOB]: scope.jobKey } : {}),
  };
}

/** The engine's label filter (`label=k=v`, all must match) for what this runner made, optionally of one run. */
export function labelFilter(runnerId: string, runId?: number): { label: string[] } {
  return { label: [`${LABEL_RUNNER}=${runnerId}`, ...(runId !== undefined ? [`${LABEL_RUN}=${runId}`] : [])] };
}
