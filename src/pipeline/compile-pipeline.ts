import type { Diagnostic } from '../core/index.js';
import { sortDiagnostics } from '../core/index.js';
import { checkArtifactNames } from './check-artifact-names.js';
import { checkNeeds } from './check-needs.js';
import type { Pipeline } from './model.js';
import { parseYaml } from './parse-yaml.js';
import { createReadContext } from './read-context.js';
import { readPipeline } from './read-pipeline.js';

export interface CompileResult {
  readonly pipeline?: Pipeline;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * YAML text → validated `Pipeline`, reporting every problem at once as diagnostics with
 * 1-based positions, sorted top to bottom. Never throws: an unexpected failure becomes a diagnostic too.
 * `pipeline` is set only when there is no error-severity diagnostic.
 */
export function compilePipeline(source: string, file: string): CompileResult {
  let collected: Diagnostic[] = [];
  try {
    const { tree, collector } = parseYaml(source, file);
    collected = collector.diagnostics;
    if (!tree) return { diagnostics: sortDiagnostics(collector.diagnostics) };
    const read = readPipeline(createReadContext(tree), tree.root);
    if (read) {
      checkNeeds(collector, read.jobs, read.jobKeys);
      checkArtifactNames(collector, read.jobs, read.jobKeys);
    }
    const diagnostics = sortDiagnostics(collector.diagnostics);
    if (!read || collector.hasErrors()) return { diagnostics };
    const pipeline: Pipeline = {
      file,
      name: read.name ?? defaultName(file),
      env: read.env,
      defaults: read.defaults,
      jobs: read.jobs.map((job) => job.spec),
      triggers: read.triggers,
      ...(read.concurrency ? { concurrency: read.concurrency } : {}),
    };
    return { pipeline, diagnostics };
  } catch (thrown) {
    // A bug of ours must not hide the user's diagnostics nor crash the CLI.
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    const internal: Diagnostic = { code: 'pipeline.internal', message: `internal error while compiling: ${reason}`, severity: 'error', file, line: 1, col: 1 };
    return { diagnostics: [...collected, internal] };
  }
}

/** GitHub names an unnamed workflow after its file; we use the file's base name. */
function defaultName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/i, '') || file;
}
