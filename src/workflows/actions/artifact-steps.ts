import { posix } from 'node:path';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { isMapping } from '@actions/workflow-parser';
import type { ArtifactsSpec, JobSpec, StepSpec } from '../../pipeline/index.js';
import { entriesOf, templateText } from '../tokens.js';
import type { WorkflowReport } from '../workflow-report.js';
import type { JobFileRequests } from './job-file-requests.js';
import { inputLines, lineOf } from './job-file-requests.js';

/** As the engine's artifacts accept them: a storage path segment and a file name (src/pipeline/read-job.ts). */
const ARTIFACT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,99}$/;
/** GitHub's name when `name` is not given. */
const DEFAULT_NAME = 'artifact';
const DAY_MS = 86_400_000;

/** upload-artifact inputs that change nothing about which files are kept. */
const UPLOAD_INPUTS_WITHOUT_EFFECT = new Set(['compression-level', 'overwrite', 'include-hidden-files']);

type StepFields = Pick<StepSpec, 'run' | 'shell' | 'env'>;

/**
 * `actions/upload-artifact@v3|v4` built in: it becomes the job's `artifacts` — `name` (default `artifact`), `path`
 * (globs, a line each), `retention-days` → `expire-in` — which the engine keeps after the job, as a native
 * pipeline's artifacts: after a successful job, or after any (`if: always()`) or a failed one (`if: failure()`).
 * The step itself only says so. Undefined when it cannot run (reported).
 */
export function uploadArtifactStep(
  report: WorkflowReport,
  uses: TemplateToken,
  withToken: TemplateToken | undefined,
  job: JobFileRequests,
  stepIf: string | undefined,
): StepFields | undefined {
  let valid = true;
  let name = DEFAULT_NAME;
  let paths: string[] | undefined;
  let expireIn: number | undefined;
  const inputs = withToken && isMapping(withToken) ? entriesOf(withToken) : [];
  for (const { key, keyToken, value } of inputs) {
    const text = templateText(value) ?? '';
    switch (key.toLowerCase()) {
      case 'name':
        if (value.isExpression || !ARTIFACT_NAME.test(text)) {
          report.unsupported(
            `this actions/upload-artifact name`,
            'DeployLite artifact names are written out (no expressions) with letters, digits and . _ + - (at most 100, not starting with . or -); a matrix instance adds its index',
            value,
          );
          valid = false;
        } else name = text;
        break;
      case 'path':
        paths = uploadPaths(report, text, value);
        if (paths === undefined) valid = false;
        break;
      case 'retention-days':
        if (!/^\d+$/.test(text.trim()) || value.isExpression) {
          report.error('workflow.invalid', `actions/upload-artifact: "retention-days" wants a whole number of days, got "${text}"`, value);
          valid = false;
        } else if (Number(text) > 0) expireIn = Number(text) * DAY_MS; // 0: the repository's default, the server's here
        break;
      case 'if-no-files-found':
        if (text.trim() === 'error') {
          report.warning('workflow.ignored', 'actions/upload-artifact: "if-no-files-found: error" is not applied; a job that matched no file logs a warning and keeps nothing', keyToken);
        }
        break;
      default:
        if (UPLOAD_INPUTS_WITHOUT_EFFECT.has(key.toLowerCase())) break;
        report.unsupported(`actions/upload-artifact input "${key}"`, 'the built-in upload-artifact takes name, path, retention-days and if-no-files-found', keyToken);
        valid = false;
    }
  }
  if (paths === undefined && valid) {
    report.error('workflow.invalid', 'actions/upload-artifact: input "path" is required', withToken ?? uses);
    valid = false;
  }
  const when = whenOf(stepIf);
  if (when === undefined) {
    report.unsupported(
      `actions/upload-artifact with if: ${stepIf ?? ''}`,
      'the artifact is kept after the job by its outcome; the step\'s "if" may be success(), failure() or always()',
      uses,
    );
    valid = false;
  }
  if (job.upload) {
    report.unsupported('a second actions/upload-artifact step in one job', `the job already keeps the artifact of the step at ${lineOf(job.upload.at)}; list every path in that one step`, uses);
    valid = false;
  }
  if (!valid || paths === undefined || when === undefined) return undefined;
  const spec: ArtifactsSpec = { paths, name, when, ...(expireIn !== undefined ? { expireIn } : {}) };
  job.upload = { spec, root: uploadRoot(paths), at: uses };
  return {
    run: `echo "actions/upload-artifact: the files of \\"${name}\\" are kept after the job (${when.replace('_', ' ')})"\n`,
    shell: 'sh',
    env: {},
  };
}

/**
 * `actions/download-artifact@v3|v4` built in: the engine already brings the artifacts of the jobs a job needs into
 * its workspace before the first step, where they were uploaded from. So the step names an artifact of a job this
 * job needs (checked with the other jobs, see checkArtifactSteps), and `path` must be where GitHub would put the
 * files in the same place: the directory they were uploaded from. No `name`: every artifact of the needed jobs.
 */
export function downloadArtifactStep(report: WorkflowReport, uses: TemplateToken, withToken: TemplateToken | undefined, job: JobFileRequests): StepFields | undefined {
  let valid = true;
  let name: string | undefined;
  let path = '.';
  const inputs = withToken && isMapping(withToken) ? entriesOf(withToken) : [];
  for (const { key, keyToken, value } of inputs) {
    const text = templateText(value) ?? '';
    switch (key.toLowerCase()) {
      case 'name':
        if (value.isExpression) {
          report.unsupported('an expression in actions/download-artifact "name"', 'write the name out: it is checked against the needed jobs before the run', value);
          valid = false;
        } else name = text;
        break;
      case 'path': {
        const normalised = workspacePath(text);
        if (value.isExpression || normalised === undefined) {
          report.unsupported(`actions/download-artifact path "${text}"`, 'write a directory inside the workspace', value);
          valid = false;
        } else path = normalised;
        break;
      }
      default:
        // pattern, merge-multiple, github-token, repository, run-id: other artifacts or other runs.
        report.unsupported(`actions/download-artifact input "${key}"`, 'the built-in download-artifact takes the name of an artifact of a job this job needs, and its path', keyToken);
        valid = false;
    }
  }
  if (!valid) return undefined;
  job.downloads.push({ ...(name !== undefined ? { name } : {}), path, at: uses });
  // The name and path reach the script as variables, not in its text: a `$(…)` in them is not run.
  return {
    run: `echo "actions/download-artifact: $DEPLOYLITE_DOWNLOADED restored before the job's first step"\necho "download-path=$PWD$DEPLOYLITE_DOWNLOAD_PATH" >> "$DEPLOYLITE_OUTPUT"\n`,
    shell: 'sh',
    env: {
      DEPLOYLITE_DOWNLOADED: name === undefined ? 'the artifacts of the needed jobs were' : `"${name}" was`,
      DEPLOYLITE_DOWNLOAD_PATH: path === '.' ? '' : `/${path}`,
    },
  };
}

/**
 * Across the workflow's jobs: artifact names are unique (two would overwrite each other in a run), and each
 * download names an artifact a job it needs uploads, to the directory it was uploaded from.
 */
export function checkArtifactSteps(report: WorkflowReport, jobs: readonly JobSpec[], requests: ReadonlyMap<string, JobFileRequests>): void {
  const uploads = new Map<string, { jobId: string; root: string }>();
  for (const job of jobs) {
    const upload = requests.get(job.id)?.upload;
    if (!upload) continue;
    const name = upload.spec.name ?? job.id;
    const owner = uploads.get(name);
    if (owner) report.error('workflow.invalid', `actions/upload-artifact: job "${job.id}" uploads "${name}", which job "${owner.jobId}" uploads too; give one another name`, upload.at);
    else uploads.set(name, { jobId: job.id, root: upload.root });
  }
  for (const job of jobs) {
    for (const download of requests.get(job.id)?.downloads ?? []) {
      const names = download.name !== undefined ? [download.name] : [...uploads].filter(([, upload]) => job.needs.includes(upload.jobId)).map(([name]) => name);
      for (const name of names) {
        const upload = uploads.get(name);
        if (!upload || !job.needs.includes(upload.jobId)) {
          const from = upload ? `job "${upload.jobId}", which job "${job.id}" does not need` : 'no job of this workflow';
          report.unsupported(`actions/download-artifact of "${name}"`, `it is uploaded by ${from}; DeployLite brings in the artifacts of the jobs a job needs`, download.at);
          continue;
        }
        // Without a name, GitHub puts each artifact in a directory of its name under `path`.
        const expected = download.name !== undefined ? download.path : posix.join(download.path, name);
        if (upload.root !== expected) {
          report.unsupported(
            `actions/download-artifact of "${name}" to "${download.path}"`,
            `its files were uploaded from "${upload.root}" and DeployLite restores them there (GitHub puts them under path relative to that directory); ${download.name !== undefined ? `set path: ${upload.root}` : `download it by name with path: ${upload.root}`}`,
            download.at,
          );
        }
      }
    }
  }
}

/** `true`/`false` outcome → when the job keeps its artifact; undefined for a condition it cannot be mapped to. */
function whenOf(stepIf: string | undefined): ArtifactsSpec['when'] | undefined {
  const condition = (stepIf ?? 'success()').replace(/\s+/g, '');
  if (condition === 'success()') return 'on_success';
  if (condition === 'failure()') return 'on_failure';
  if (condition === 'always()' || condition === '!cancelled()') return 'always';
  return undefined;
}

/** `path`: globs relative to the workspace, a line each; `!` exclusions and places outside it are errors. */
function uploadPaths(report: WorkflowReport, text: string, at: TemplateToken): string[] | undefined {
  if (at.isExpression) {
    report.unsupported('an expression in actions/upload-artifact "path"', 'write the paths out: artifact paths are taken as written', at);
    return undefined;
  }
  const paths = inputLines(text);
  for (const path of paths) {
    if (path.startsWith('!')) {
      report.unsupported(`actions/upload-artifact path "${path}"`, 'exclusions are not applied; name what to keep', at);
      return undefined;
    }
    if (workspacePath(path) === undefined) {
      report.unsupported(`actions/upload-artifact path "${path}"`, 'artifact paths are relative to the workspace, inside it', at);
      return undefined;
    }
  }
  if (paths.length === 0) {
    report.error('workflow.invalid', 'actions/upload-artifact: input "path" is empty', at);
    return undefined;
  }
  return paths;
}

/** A path relative to the workspace, normalised (`.` for the workspace); undefined when absolute or outside it. */
function workspacePath(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '.' || trimmed === './') return '.';
  if (trimmed.startsWith('/') || trimmed.startsWith('~') || trimmed.includes('${{')) return undefined;
  const normalised = posix.normalize(trimmed).replace(/\/+$/, '');
  return normalised === '..' || normalised.startsWith('../') ? undefined : normalised;
}

/** A glob's fixed part: the directories before its first segment with a wildcard (GitHub's search path). */
function searchPath(glob: string): string {
  const segments = (workspacePath(glob) ?? '.').split('/');
  const fixed: string[] = [];
  for (const segment of segments) {
    if (/[*?[]/.test(segment)) break;
    fixed.push(segment);
  }
  return fixed.length === 0 ? '.' : fixed.join('/');
}

/**
 * The directory upload-artifact makes the artifact's root: the least common ancestor of the paths' search paths;
 * for one path written without wildcards, that path itself when it is a directory, its parent when it is a file.
 * Which it is cannot be known before the run: a path ending in `/`, or whose last part has no extension, is taken
 * as a directory (`dist`, `coverage/`), one with an extension as a file (`report.xml`).
 */
function uploadRoot(paths: readonly string[]): string {
  const searches = paths.map(searchPath);
  if (searches.length === 1) {
    const only = paths[0] as string;
    const search = searches[0] as string;
    const isFile = !/[*?[]/.test(only) && !only.trim().endsWith('/') && /\.[A-Za-z0-9]+$/.test(search);
    return isFile ? posix.dirname(search) : search;
  }
  const split = searches.map((path) => (path === '.' ? [] : path.split('/')));
  const common: string[] = [];
  for (let i = 0; split.every((parts) => i < parts.length && parts[i] === split[0]?.[i]); i++) common.push(split[0]?.[i] as string);
  return common.length === 0 ? '.' : common.join('/');
}
