const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/**
 * How long to wait before retry number `attempt` (1 for the first retry): 250 ms doubling
 * up to 5 s, with "equal jitter" — half of it fixed, half random — so that runners that
 * lost the server at the same moment do not all come back in the same instant when it
 * restarts, while none of them waits much less than planned.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(Math.max(attempt, 1) - 1, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
