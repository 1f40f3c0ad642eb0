import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../../../src/core/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';

/**
 * Whatever the input, compilePipeline returns promptly, never throws, never trips over its
 * own bugs (`pipeline.internal`), and points every diagnostic at a real place in the file.
 */
function assertWellBehaved(source: string): void {
  const started = performance.now();
  const { pipeline, diagnostics } = compilePipeline(source, 'fuzz.yml');
  assert.ok(performance.now() - started < 1500, 'compiling took too long');
  const lines = source.split(/\r\n|\r|\n/).length;
  for (const d of diagnostics) {
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines + 1, formatDiagnostic(d));
    assert.ok(Number.isInteger(d.col) && d.col >= 1, formatDiagnostic(d));
    assert.ok(d.message.length > 0 && d.code.startsWith('pipeline.'), formatDiagnostic(d));
    assert.notEqual(d.code, 'pipeline.internal', formatDiagnostic(d));
  }
  if (pipeline) assert.ok(diagnostics.every((d) => d.severity === 'warning'));
}

const YAML_CHARS = [...'abcjobs:-_ \n\t{}[],&*!|>\'"#%@`?$', '${{', '}}', '<<', '---', '\r\n', 'é', '\u0000', '\uFEFF'];

test('random text never breaks the compiler', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 200 })), (source) => {
      assertWellBehaved(source);
    }),
    { numRuns: 400 },
  );
});

const KEYS = [
  'name', 'env', 'defaults', 'jobs', 'needs', 'if', 'steps', 'matrix', 'include', 'exclude', 'fail-fast', 'max-parallel',
  'timeout', 'retry', 'max', 'backoff', 'delay', 'max-delay', 'continue-on-error', 'outputs', 'rollback', 'artifacts',
  'paths', 'cache', 'key', 'restore-keys', 'runs-on', 'image', 'id', 'run', 'shell', 'working-directory', 'uses', 'with',
  'build', 'test', '<<', 'x-a', '__proto__', 'constructor',
];
const SCALARS = fc.oneof(
  fc.constantFrom('10m', '90s', '0', '-1', 'exponential', 'fixed', 'deploylite/checkout', 'build', 'test', '${{ success() }}', '${{ matrix.os', 'always()', '${{ }}', ''),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -3, max: 100 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { value: YAMLISH } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, SCALARS, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
}));

test('random structures of known keys never break the compiler', () => {
  const pipelines = fc.record({ jobs: fc.dictionary(fc.constantFrom('build', 'test', 'deploy', '1x'), YAMLISH, { maxKeys: 4 }), name: SCALARS }, { requiredKeys: ['jobs'] });
  fc.assert(
    fc.property(fc.oneof(pipelines, YAMLISH), fc.boolean(), (value, flow) => {
      assertWellBehaved(stringify(value, { collectionStyle: flow ? 'flow' : 'block' }));
    }),
    { numRuns: 400 },
  );
});

const VALID_DIR = join(import.meta.dirname, '../../fixtures/pipelines/valid');
const VALID = readdirSync(VALID_DIR).filter((name) => name.endsWith('.yml')).map((name) => readFileSync(join(VALID_DIR, name), 'utf8'));

type Mutation = { kind: 'delete' | 'duplicate' | 'swap' | 'insert'; at: number; length: number; char: string };
function mutate(source: string, { kind, at, length, char }: Mutation): string {
  const i = at % (source.length + 1);
  switch (kind) {
    case 'delete':
      return source.slice(0, i) + source.slice(i + length);
    case 'duplicate':
      return source.slice(0, i + length) + source.slice(i, i + length) + source.slice(i + length);
    case 'swap':
      return source.slice(0, i) + source.slice(i + 1, i + 2) + source.slice(i, i + 1) + source.slice(i + 2);
    case 'insert':
      return source.slice(0, i) + char + source.slice(i);
  }
}

test('mutations of valid pipelines never break the compiler', () => {
  const mutation = fc.record({
    kind: fc.constantFrom('delete', 'duplicate', 'swap', 'insert' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 40 }),
    char: fc.constantFrom(...YAML_CHARS),
  });
  fc.assert(
    fc.property(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 6 }), (source, mutations) => {
      assertWellBehaved(mutations.reduce(mutate, source));
    }),
    { numRuns: 400 },
  );
});
