/** Labels on everything the kubernetes executor creates: how `reclaimRun` and leftover removal find it again. */
export const LABEL_RUNNER = 'deploylite.runner';
export const LABEL_RUN = 'deploylite.run';
export const LABEL_JOB = 'deploylite.job';

export interface LabelScope {
  readonly runnerId: string;
  readonly runId?: number;
  readonly jobKey?: string;
}

export function labelsFor(scope: LabelScope): Record<string, string> {
  return {
    [LABEL_RUNNER]: scope.runnerId,
    ...(scope.runId !== undefined ? { [LABEL_RUN]: String(scope.runId) } : {}),
    ...(scope.jobKey !== undefined ? { [LABEL_JOB]: labelValue(scope.jobKey) } : {}),
  };
}

/** A `labelSelector` matching every label of the scope. */
export function selectorFor(scope: LabelScope): string {
  return Object.entries(labelsFor(scope)).map(([key, value]) => `${key}=${value}`).join(',');
}

/**
 * Label values are at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending alphanumeric;
 * job keys are free text (matrix instances carry brackets), so they are folded into that alphabet. The exact key is
 * kept in an annotation.
 */
export function labelValue(text: string): string {
  const folded = text.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return folded === '' ? 'job' : folded;
}

/** Object names are DNS-1123 labels: lower-case letters, digits and `-`, at most 63 characters. */
export function nameSegment(text: string, max: number): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '') || 'job';
}
