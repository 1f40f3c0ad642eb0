import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/core/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';

// Each invalid/NAME.yml has NAME.expected: the exact diagnostics, one formatted per line.
const FIXTURES = join(import.meta.dirname, '../../fixtures/pipelines');
const yamlFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.yml')).sort();

test('every invalid fixture gives exactly its expected diagnostics', () => {
  const dir = join(FIXTURES, 'invalid');
  const files = yamlFiles(dir);
  assert.ok(files.length >= 10, `only ${files.length} fixtures in ${dir}`);
  for (const name of files) {
    const { pipeline, diagnostics } = compilePipeline(readFileSync(join(dir, name), 'utf8'), name);
    const expected = readFileSync(join(dir, name.replace(/\.yml$/, '.expected')), 'utf8').trimEnd().split('\n');
    assert.deepEqual(diagnostics.map(formatDiagnostic), expected, name);
    assert.equal(pipeline, undefined, `${name} compiled despite its errors`);
  }
});

test('every valid fixture and example compiles without a diagnostic', () => {
  const dirs = [join(FIXTURES, 'valid'), join(import.meta.dirname, '../../../examples')];
  for (const dir of dirs) {
    for (const name of yamlFiles(dir)) {
      const { pipeline, diagnostics } = compilePipeline(readFileSync(join(dir, name), 'utf8'), name);
      assert.deepEqual(diagnostics.map(formatDiagnostic), [], name);
      assert.ok(pipeline, name);
    }
  }
});
