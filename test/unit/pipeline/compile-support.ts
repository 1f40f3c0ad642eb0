import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/core/index.js';
import type { Pipeline } from '../../../src/pipeline/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';
import { dedent } from '../../support/dedent.js';

/** Every diagnostic of compiling `source` (dedented) as `p.yml`, formatted `p.yml:LINE:COL: message`. */
export function diagnosticsOf(source: string): string[] {
  return compilePipeline(dedent(source), 'p.yml').diagnostics.map(formatDiagnostic);
}

/** The pipeline compiled from `source` (dedented), which must have no diagnostic at all. */
export function compiled(source: string): Pipeline {
  const result = compilePipeline(dedent(source), 'p.yml');
  assert.deepEqual(result.diagnostics.map(formatDiagnostic), []);
  assert.ok(result.pipeline);
  return result.pipeline;
}
