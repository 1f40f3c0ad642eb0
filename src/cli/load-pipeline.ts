import { readFileSync } from 'node:fs';
import { formatDiagnostic, sortDiagnostics } from '../core/index.js';
import type { Pipeline } from '../pipeline/index.js';
import { compilePipeline } from '../pipeline/index.js';
import type { Writable } from './cli-context.js';

export type LoadResult = { ok: true; pipeline: Pipeline; source: string } | { ok: false };

/** Reads and compiles a pipeline file, printing every diagnostic as `FILE:LINE:COL: message`. */
export function loadPipeline(file: string, stderr: Writable): LoadResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    stderr.write(`${file}:1:1: cannot read the pipeline file: ${reason}\n`);
    return { ok: false };
  }
  return compileSource(source, file, stderr);
}

export function compileSource(source: string, file: string, stderr: Writable): LoadResult {
  const { pipeline, diagnostics } = compilePipeline(source, file);
  for (const diagnostic of sortDiagnostics(diagnostics)) stderr.write(`${formatDiagnostic(diagnostic)}\n`);
  if (!pipeline) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    stderr.write(`${file}: ${errors} error${errors === 1 ? '' : 's'}; nothing was run\n`);
    return { ok: false };
  }
  return { ok: true, pipeline, source };
}
