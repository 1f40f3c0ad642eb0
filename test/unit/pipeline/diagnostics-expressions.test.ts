import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf } from './compile-support.js';

test('an expression that does not parse is reported at its string, naming the key', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    steps:\n      - run: echo ${{ matrix.os\n'), [
    'p.yml:4:14: invalid expression in "run": The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found: ${{ matrix.os',
  ]);
});

test('conditions are checked written with or without ${{ }}', () => {
  const found = diagnosticsOf(`
    jobs:
      a:
        if: success( &&
        steps: [{ run: a, if: "\${{ failure() == }}" }]
  `);
  assert.equal(found.length, 2, found.join('\n'));
  assert.match(found[0] ?? '', /^p\.yml:3:9: invalid expression in "if": /);
  assert.match(found[1] ?? '', /^p\.yml:4:27: invalid expression in "if": /);
});

test('an empty condition is an error rather than a silent success()', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    if: ""\n    steps: [{ run: a }]\n'), ['p.yml:3:9: "if" must not be empty']);
});

test('env, with, outputs, names and matrix expressions are all checked', () => {
  const found = diagnosticsOf(`
    env: { A: "\${{ }}" }
    jobs:
      a:
        name: "\${{ matrix. }}"
        outputs: { v: "\${{ steps.x.outputs.v == }}" }
        matrix: "\${{ fromJSON( }}"
        steps:
          - uses: deploylite/checkout
            with: { ref: "\${{ github.sha ) }}" }
  `);
  assert.deepEqual(
    found.map((line) => line.replace(/: invalid expression in ("[^"]+"): .*$/, ' $1')),
    ['p.yml:1:11 "env.A"', 'p.yml:4:11 "name"', 'p.yml:5:19 "outputs.v"', 'p.yml:6:13 "matrix"', 'p.yml:9:22 "with.ref"'],
  );
});

test('plain strings without ${{ are not expressions', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    steps:\n      - run: echo "{{ not an expression }}" && echo $HOME\n'), []);
});
