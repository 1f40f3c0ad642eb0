import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word` when it is close enough to be a plausible typo
 * (`neds` → `needs`), else undefined. A case-only difference always counts, as users
 * often write `Needs` or `RUN`.
 */
export function suggestClosest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  // About one edit per three characters: `tets` → `test` (a swap costs two edits).
  const allowed = Math.max(1, Math.ceil(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    // Lengths far apart cannot be within reach: skip the O(n·m) comparison.
    if (Math.abs(candidate.length - word.length) > allowed) continue;
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

/** ` (did you mean "needs"?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const suggestion = suggestClosest(word, candidates);
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}
