import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/core/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';
import { diagnosticsOf } from './compile-support.js';

test('a YAML syntax error is reported with the position the yaml library gives', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  build:\n    steps: [{ run: make }\n'), [
    'p.yml:4:1: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
});

test('tabs used as indentation are a syntax error', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n\tbuild: {}\n'), ['p.yml:2:1: invalid YAML: tabs are not allowed as indentation']);
});

test('an empty file, or one with only comments, is an error', () => {
  const expected = ['p.yml:1:1: the pipeline file is empty: it needs at least a "jobs" mapping'];
  assert.deepEqual(diagnosticsOf(''), expected);
  assert.deepEqual(diagnosticsOf('# nothing yet\n'), expected);
});

test('a root that is not a mapping is an error', () => {
  assert.deepEqual(diagnosticsOf('- build\n- test\n'), ['p.yml:1:1: a pipeline must be a mapping with keys such as "name" and "jobs", got a list']);
});

test('several YAML documents in one file are an error', () => {
  assert.deepEqual(diagnosticsOf('jobs: {}\n---\njobs: {}\n'), [
    'p.yml:2:1: invalid YAML: a pipeline file holds one YAML document, but this one has several (remove the extra "---")',
  ]);
});

test('an alias without an anchor before it is reported at the alias', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a: { steps: [*missing] }\n'), [
    'p.yml:2:16: unknown alias "*missing": an anchor "&missing" must come before its alias',
  ]);
});

test('a billion-laughs alias bomb is refused quickly', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const name = String.fromCharCode(97 + i);
    const previous = String.fromCharCode(96 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  const started = performance.now();
  const { diagnostics, pipeline } = compilePipeline(`x-bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\njobs: { a: { steps: [{ run: a }] } }\n`, 'p.yml');
  assert.ok(performance.now() - started < 2000);
  assert.equal(pipeline, undefined);
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['pipeline.alias-limit'],
    diagnostics.map(formatDiagnostic).join('\n'),
  );
});

test('a flood of syntax errors is cut short after the first twenty', () => {
  const found = diagnosticsOf('"'.repeat(1000));
  assert.equal(found.length, 21);
  assert.match(found[20] ?? '', /^p\.yml:1:\d+: invalid YAML: \d+ more errors from here on; fix the ones above first$/);
});

test('a document nested too deeply is refused before it can exhaust the stack', () => {
  assert.deepEqual(diagnosticsOf(`a: ${'['.repeat(50_000)}`), ['p.yml:1:67: the document nests lists and mappings more than 64 levels deep']);
});

test('an alias inside the node it names is unknown, not a structure containing itself', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a: &a { steps: [*a] }\n'), ['p.yml:2:19: unknown alias "*a": an anchor "&a" must come before its alias']);
});
