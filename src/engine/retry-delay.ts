import type { RetryPolicy } from '../pipeline/index.js';

/**
 * Delay before attempt `nextAttempt` (2 for the first retry). Exponential backoff doubles
 * the delay after each failed attempt, capped by `maxDelayMs`; fixed backoff always waits
 * `delayMs`.
 */
export function retryDelay(policy: RetryPolicy, nextAttempt: number): number {
  if (policy.backoff === 'fixed') return Math.min(policy.delayMs, policy.maxDelayMs);
  const exponent = Math.max(0, nextAttempt - 2);
  return Math.min(policy.maxDelayMs, policy.delayMs * 2 ** exponent);
}
