import type { Diagnostic } from '../../core/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import { compilePipeline } from '../../pipeline/index.js';
import type { WorkflowFacts } from '../../workflows/index.js';
import { compileWorkflow, isGitHubWorkflow } from '../../workflows/index.js';
import type { GitMirrors } from '../git/git-mirror.js';
import { MirrorActionFiles } from './mirror-action-files.js';

/** A pipeline file compiled by the front end it belongs to. */
export interface CompiledProjectPipeline {
  readonly pipeline?: Pipeline;
  readonly diagnostics: readonly Diagnostic[];
  /** Set for a GitHub Actions workflow: its events and `workflow_dispatch` inputs. */
  readonly workflow?: WorkflowFacts;
}

/** The commit a pipeline file is read at: a workflow's `uses: ./PATH` actions are read from it too. */
export interface PipelineCommit {
  readonly mirrors: Pick<GitMirrors, 'readFile' | 'listFolder'>;
  readonly projectId: number;
  readonly sha: string;
}

/** One pipeline file of a project at a commit. */
export interface ProjectPipelineFile {
  readonly file: string;
  readonly source: string;
  readonly compiled: CompiledProjectPipeline;
}

export type ProjectPipelines =
  | { readonly kind: 'found'; readonly files: readonly ProjectPipelineFile[] }
  | { readonly kind: 'missing'; readonly reason: string };

/**
 * A GitHub Actions workflow goes through GitHub's parser (src/workflows), anything else
 * through the native one — the same detection as `deploylite run` (isGitHubWorkflow): a file
 * under `.github/workflows/` is a workflow, and so is one shaped like it elsewhere. Async
 * because GitHub's parser is; never throws (a mirror that cannot be read makes its actions absent).
 * Without `commit`, a workflow can use only the built-in actions.
 */
export async function compileProjectPipeline(source: string, file: string, commit?: PipelineCommit): Promise<CompiledProjectPipeline> {
  if (!isGitHubWorkflow(file, source)) return compilePipeline(source, file);
  const { pipeline, facts, diagnostics } = commit ? await compileWithMirrorActions(source, file, commit) : await compileWorkflow(source, file);
  return { ...(pipeline ? { pipeline } : {}), diagnostics, ...(facts ? { workflow: facts } : {}) };
}

/** Composites may nest this deep (MAX_ACTION_DEPTH), each level one more read from the mirror; a margin for the last. */
const MAX_READ_ROUNDS = 12;

/**
 * Compiles until the compiler asked the mirror for nothing new: the first round learns which action
 * directories and files the workflow names, the next reads those composites' own `uses: ./PATH`, and so on.
 */
async function compileWithMirrorActions(source: string, file: string, commit: PipelineCommit): ReturnType<typeof compileWorkflow> {
  const files = new MirrorActionFiles(commit.mirrors, commit.projectId, commit.sha);
  for (let round = 1; ; round++) {
    const result = await compileWorkflow(source, file, { actions: files.sources() });
    if (!files.hasMissing() || round === MAX_READ_ROUNDS) return result;
    await files.fetchMissing().catch(() => undefined);
  }
}

/**
 * The pipelines of a project at a commit. Its `pipeline_path` names one file, or a folder
 * (`.github/workflows/`) whose every `.yml`/`.yaml` file directly in it is a pipeline of
 * the project, as GitHub reads its workflows folder; they come sorted by name.
 */
export async function readProjectPipelines(
  mirrors: Pick<GitMirrors, 'readFile' | 'listFolder'>,
  projectId: number,
  sha: string,
  pipelinePath: string,
): Promise<ProjectPipelines> {
  // A folder first: `git show` of a folder prints its listing, which is no pipeline file.
  const names = await mirrors.listFolder(projectId, sha, pipelinePath);
  const at = `${sha.slice(0, 12)}`;
  if (names !== undefined) {
    const folder = pipelinePath.replace(/^\.\//, '').replace(/\/+$/, '');
    const files = names.filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => `${folder}/${name}`);
    if (files.length === 0) return { kind: 'missing', reason: `the folder ${folder}/ has no .yml or .yaml files at ${at}` };
    return { kind: 'found', files: await Promise.all(files.map((file) => readOne(mirrors, projectId, sha, file))) };
  }
  const source = await mirrors.readFile(projectId, sha, pipelinePath);
  if (source === undefined) return { kind: 'missing', reason: `the pipeline file ${pipelinePath} does not exist at ${at}` };
  const commit = { mirrors, projectId, sha };
  return { kind: 'found', files: [{ file: pipelinePath, source, compiled: await compileProjectPipeline(source, pipelinePath, commit) }] };
}

async function readOne(mirrors: Pick<GitMirrors, 'readFile' | 'listFolder'>, projectId: number, sha: string, file: string): Promise<ProjectPipelineFile> {
  // Listed a moment ago in the same commit, so it is there.
  const source = (await mirrors.readFile(projectId, sha, file)) ?? '';
  return { file, source, compiled: await compileProjectPipeline(source, file, { mirrors, projectId, sha }) };
}
