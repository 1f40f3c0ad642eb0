import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../core/index.js';
import { formatDiagnostic, sortDiagnostics } from '../core/index.js';
import type { Pipeline } from '../pipeline/index.js';
import { compilePipeline } from '../pipeline/index.js';
import type { ActionSources, WorkflowFacts } from '../workflows/index.js';
import { compileWorkflow, isGitHubWorkflow } from '../workflows/index.js';
import type { Writable } from './cli-context.js';

/** `workflow` is set when the file is a GitHub Actions workflow (the second front end). */
export type LoadResult = { ok: true; pipeline: Pipeline; source: string; workflow?: WorkflowFacts } | { ok: false };

/** Reads and compiles a pipeline file, printing every diagnostic as `FILE:LINE:COL: message`. */
/** `actions`: where a workflow's `uses:` actions are read from (absent: only the built-in ones). */
export async function loadPipeline(file: string, stderr: Writable, actions?: ActionSources): Promise<LoadResult> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    stderr.write(`${file}:1:1: cannot read the pipeline file: ${reason}\n`);
    return { ok: false };
  }
  return compileSource(source, file, stderr, actions);
}

/** A GitHub Actions workflow goes through GitHub's parser, anything else through the native one. */
export async function compileSource(source: string, file: string, stderr: Writable, actions?: ActionSources): Promise<LoadResult> {
  if (isGitHubWorkflow(file, source)) {
    const { pipeline, facts, diagnostics } = await compileWorkflow(source, file, actions ? { actions } : {});
    report(diagnostics, file, stderr);
    return pipeline && facts ? { ok: true, pipeline, source, workflow: facts } : { ok: false };
  }
  const { pipeline, diagnostics } = compilePipeline(source, file);
  report(diagnostics, file, stderr);
  return pipeline ? { ok: true, pipeline, source } : { ok: false };
}

function report(diagnostics: readonly Diagnostic[], file: string, stderr: Writable): void {
  for (const diagnostic of sortDiagnostics(diagnostics)) stderr.write(`${formatDiagnostic(diagnostic)}\n`);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) stderr.write(`${file}: ${errors} error${errors === 1 ? '' : 's'}; nothing was run\n`);
}
