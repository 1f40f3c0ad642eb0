import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/core/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';

const REFERENCE = join(import.meta.dirname, '../../../docs/pipeline-reference.md');

/**
 * The YAML examples of docs/pipeline-reference.md as whole pipelines: a fragment of steps
 * is put into a job, and top-level keys without jobs get one.
 */
function referenceExamples(): string[] {
  const blocks = [...readFileSync(REFERENCE, 'utf8').matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)];
  return blocks.map(([, indent = '', body = '']) => {
    const yaml = body.split('\n').map((line) => line.slice(indent.length)).join('\n');
    if (/^steps:/m.test(yaml)) return `jobs:\n  example:\n${yaml.replace(/^/gm, '    ')}`;
    if (!/^jobs:/m.test(yaml)) return `${yaml}jobs:\n  example:\n    steps: [{ run: echo }]\n`;
    return yaml;
  });
}

test('every YAML example in the pipeline reference compiles without a diagnostic', () => {
  const examples = referenceExamples();
  assert.ok(examples.length >= 35, `only ${examples.length} examples found`);
  for (const example of examples) {
    const { diagnostics } = compilePipeline(example, 'example.yml');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [], example);
  }
});
