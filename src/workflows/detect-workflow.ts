import { parseDocument } from 'yaml';

/**
 * Job keys only DeployLite's own format has. A DeployLite pipeline may also have `on:` and
 * `runs-on`, so a file holding any of these stays with the native front end.
 */
const NATIVE_JOB_KEYS = ['matrix', 'fail-fast', 'max-parallel', 'timeout', 'retry', 'rollback', 'artifacts', 'cache', 'image', 'network', 'reuse-container'];

/**
 * Whether a file is a GitHub Actions workflow rather than a DeployLite pipeline: it lives
 * under `.github/workflows/`, or its top level has `on:` and some job has `runs-on` (which
 * every GitHub job needs) while nothing in it is DeployLite's own (native job keys,
 * `on.manual`, `defaults.timeout`/`retry`).
 */
export function isGitHubWorkflow(file: string, source: string): boolean {
  if (/(^|[\\/])\.github[\\/]workflows[\\/][^\\/]+$/.test(file)) return true;
  // Cheap test first: most pipelines never mention runs-on.
  if (!source.includes('runs-on')) return false;
  let root: unknown;
  try {
    root = parseDocument(source, { uniqueKeys: false }).toJS({ maxAliasCount: 100 });
  } catch {
    return false; // the native front end reports the YAML error with its position
  }
  if (!isObject(root) || !('on' in root) || !isObject(root.jobs)) return false;
  if (isObject(root.on) && 'manual' in root.on) return false;
  if (isObject(root.defaults) && ('timeout' in root.defaults || 'retry' in root.defaults)) return false;
  const jobs = Object.values(root.jobs).filter(isObject);
  if (jobs.some((job) => NATIVE_JOB_KEYS.some((key) => key in job))) return false;
  return jobs.some((job) => 'runs-on' in job);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
