import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping } from '@actions/workflow-parser';
import type { StepSpec } from '../../pipeline/index.js';
import { entriesOf, templateText } from '../tokens.js';
import type { WorkflowReport } from '../workflow-report.js';
import type { JobFileRequests } from './job-file-requests.js';
import { inputLines, lineOf } from './job-file-requests.js';

/** Inputs that only tune transfers: the job's cache works the same without them. */
const INPUTS_WITHOUT_EFFECT = new Set(['enablecrossosarchive', 'upload-chunk-size']);
/** Inputs that would change what the cache does; accepted only with their default value, `false`. */
const INPUTS_ONLY_FALSE: Readonly<Record<string, string>> = {
  'lookup-only': 'the job\'s cache is always restored when found',
  'save-always': 'the job\'s cache is saved only after a successful job, as actions/cache does by default',
};

/**
 * `actions/cache@v3|v4` built in: it becomes the job's `cache` (key, paths, restore keys), which the engine
 * restores before the job's first step and saves after its last when the job succeeded and the exact key missed —
 * actions/cache's own rules, but at the job's edges rather than at the step's position. The step itself reports the
 * restore's result: `cache-hit` is `true` only on an exact hit (DEPLOYLITE_CACHE_HIT, set by the restore), so
 * `if: steps.<id>.outputs.cache-hit != 'true'` works; `fail-on-cache-miss: true` fails it when nothing was restored.
 * Undefined when it cannot run (reported).
 */
export function cacheStep(report: WorkflowReport, uses: TemplateToken, withToken: TemplateToken | undefined, job: JobFileRequests): Pick<StepSpec, 'run' | 'shell' | 'env'> | undefined {
  let valid = true;
  const problem = (message: string, at: TemplateToken) => {
    report.error('workflow.invalid', `actions/cache: ${message}`, at);
    valid = false;
  };
  let key: string | undefined;
  let paths: string[] | undefined;
  let restoreKeys: string[] = [];
  let failOnMiss = false;
  const inputs = withToken && isMapping(withToken) ? entriesOf(withToken) : [];
  for (const { key: name, keyToken, value } of inputs) {
    const text = templateText(value) ?? '';
    switch (name.toLowerCase()) {
      case 'key':
        if (readsSteps(text)) problem('"key" cannot use the steps context: the cache is restored before the job\'s first step', value);
        else key = text;
        break;
      case 'restore-keys':
        if (readsSteps(text)) problem('"restore-keys" cannot use the steps context: the cache is restored before the job\'s first step', value);
        else restoreKeys = inputLines(text);
        break;
      case 'path':
        paths = cachePaths(report, text, value);
        if (paths === undefined) valid = false;
        break;
      case 'fail-on-cache-miss':
        failOnMiss = text.trim() === 'true';
        break;
      default:
        if (INPUTS_WITHOUT_EFFECT.has(name.toLowerCase())) break;
        if (name.toLowerCase() in INPUTS_ONLY_FALSE) {
          if (text.trim() !== 'false') {
            report.unsupported(`actions/cache input "${name}"`, INPUTS_ONLY_FALSE[name.toLowerCase()] as string, keyToken);
            valid = false;
          }
          break;
        }
        report.unsupported(`actions/cache input "${name}"`, 'the built-in actions/cache takes key, path, restore-keys and fail-on-cache-miss', keyToken);
        valid = false;
    }
  }
  if (key === undefined && valid) problem('input "key" is required', withToken ?? uses);
  if (paths === undefined && valid) problem('input "path" is required', withToken ?? uses);
  if (job.cache) {
    report.unsupported('a second actions/cache step in one job', `the job already caches with the actions/cache step at ${lineOf(job.cache.at)}; list every path in that one step`, uses);
    valid = false;
  }
  if (!valid || key === undefined || paths === undefined) return undefined;
  job.cache = { spec: { key, paths, restoreKeys }, at: uses };
  return { run: CACHE_STEP_SCRIPT, shell: 'sh', env: failOnMiss ? { DEPLOYLITE_FAIL_ON_CACHE_MISS: 'true' } : {} };
}

/** The engine restores before any step ran, so `steps.*` holds nothing yet. */
function readsSteps(text: string): boolean {
  return /\$\{\{[^}]*\bsteps\./.test(text);
}

/**
 * `path`: one directory or file a line, relative to the workspace or under `~/`. The job's cache archives named
 * paths, so wildcards and `!` exclusions (which actions/cache accepts) are errors rather than paths that would not
 * be cached; an expression is one too, because the paths are fixed before the job runs.
 */
function cachePaths(report: WorkflowReport, text: string, at: TemplateToken): string[] | undefined {
  if (at.isExpression) {
    report.unsupported('an expression in actions/cache "path"', 'write the paths out: they are fixed before the job runs', at);
    return undefined;
  }
  const paths = inputLines(text);
  if (paths.length === 0) {
    report.error('workflow.invalid', 'actions/cache: input "path" is empty', at);
    return undefined;
  }
  for (const path of paths) {
    if (/[*?[]/.test(path) || path.startsWith('!')) {
      report.unsupported(`actions/cache path "${path}"`, 'the job\'s cache archives named directories and files; name them without wildcards or "!"', at);
      return undefined;
    }
    if (path.startsWith('/') || path === '~' || path === '.' || path.startsWith('../')) {
      report.unsupported(`actions/cache path "${path}"`, 'name a directory or file inside the workspace, or under ~/', at);
      return undefined;
    }
  }
  return paths;
}

/**
 * The step at the action's position: the restore already happened before the first step (see JobFiles); this
 * writes its result as the step's output. Plain `sh`, which every image has.
 */
const CACHE_STEP_SCRIPT = `hit="\${DEPLOYLITE_CACHE_HIT:-false}"
matched="\${DEPLOYLITE_CACHE_MATCHED_KEY:-}"
echo "cache-hit=$hit" >> "$DEPLOYLITE_OUTPUT"
if [ "$hit" = true ]; then
  echo "actions/cache: restored $matched before the job's first step (exact hit)"
elif [ -n "$matched" ]; then
  echo "actions/cache: restored $matched (a restore key) before the job's first step; the cache is saved under its key after the job if it succeeds"
else
  echo "actions/cache: no cache was found before the job's first step; the paths are saved after the job if it succeeds"
  if [ "\${DEPLOYLITE_FAIL_ON_CACHE_MISS:-}" = true ]; then echo "actions/cache: fail-on-cache-miss is true and no cache was found" >&2; exit 1; fi
fi
`;
