import type { Router } from 'vue-router';

/**
 * Links to a run's job log pages for views that show hundreds of jobs: each address is
 * resolved once per job (not again on every change of the run), and the view follows them
 * with one click listener of its own instead of a RouterLink per job. `followLink` takes
 * plain left clicks on any same-origin anchor inside the element it listens on (SVG anchors
 * too) through the router; modified clicks (a new tab) stay with the browser.
 */
export function useJobLinks(router: Router, runId: () => number): { jobLink: (key: string) => string; followLink: (event: MouseEvent) => void } {
  const resolved = new Map<string, string>();
  const jobLink = (key: string): string => {
    const id = String(runId());
    const cacheKey = `${id}:${key}`;
    let href = resolved.get(cacheKey);
    if (href === undefined) {
      href = router.resolve({ name: 'job', params: { runId: id, jobKey: key } }).href;
      resolved.set(cacheKey, href);
    }
    return href;
  };
  const followLink = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event.target instanceof Element ? event.target.closest('a[href]') : null;
    const href = anchor?.getAttribute('href');
    if (!anchor || !href?.startsWith('/') || !(event.currentTarget as Element).contains(anchor)) return;
    event.preventDefault();
    void router.push(href);
  };
  return { jobLink, followLink };
}
