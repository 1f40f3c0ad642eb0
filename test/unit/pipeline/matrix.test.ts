import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeployliteError } from '../../../src/core/index.js';
import { expandMatrix, matrixLabel, MAX_MATRIX_COMBINATIONS } from '../../../src/pipeline/matrix.js';

function matrixError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DeployliteError);
    assert.equal(error.code, 'matrix.invalid');
    return error.message;
  }
  assert.fail('expected a matrix.invalid error');
}

test('the product follows key order, the first axis varying slowest', () => {
  assert.deepEqual(expandMatrix({ axes: { os: ['linux', 'mac'], node: [18, 20] } }), [
    { os: 'linux', node: 18 },
    { os: 'linux', node: 20 },
    { os: 'mac', node: 18 },
    { os: 'mac', node: 20 },
  ]);
});

test('an exclude entry removes every combination matching all of its keys (partial match)', () => {
  const combinations = expandMatrix({
    axes: { os: ['linux', 'windows'], node: [18, 20], arch: ['x64', 'arm'] },
    exclude: [{ os: 'windows', arch: 'arm' }],
  });
  assert.equal(combinations.length, 6);
  assert.ok(!combinations.some((c) => c.os === 'windows' && c.arch === 'arm'));
});

test('an exclude entry matches object values by deep equality', () => {
  const combinations = expandMatrix({
    axes: { target: [{ name: 'a' }, { name: 'b' }] },
    exclude: [{ target: { name: 'a' } }],
  });
  assert.deepEqual(combinations, [{ target: { name: 'b' } }]);
});

// GitHub's documented example: "Expanding or adding matrix configurations".
test('include entries merge where they overwrite no original value, else are appended (GitHub docs)', () => {
  const combinations = expandMatrix({
    axes: { fruit: ['apple', 'pear'], animal: ['cat', 'dog'] },
    include: [
      { color: 'green' },
      { color: 'pink', animal: 'cat' },
      { fruit: 'apple', shape: 'circle' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ],
  });
  assert.deepEqual(combinations, [
    { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
    { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
    { fruit: 'pear', animal: 'cat', color: 'pink' },
    { fruit: 'pear', animal: 'dog', color: 'green' },
    { fruit: 'banana' },
    { fruit: 'banana', animal: 'cat' },
  ]);
});

// GitHub's documented example: "Example: Expanding configurations".
test('an include entry adds a variable to the combinations it matches (GitHub docs)', () => {
  const combinations = expandMatrix({
    axes: { os: ['windows-latest', 'ubuntu-latest'], node: [14, 16] },
    include: [{ os: 'windows-latest', node: 16, npm: 6 }],
  });
  assert.deepEqual(combinations, [
    { os: 'windows-latest', node: 14 },
    { os: 'windows-latest', node: 16, npm: 6 },
    { os: 'ubuntu-latest', node: 14 },
    { os: 'ubuntu-latest', node: 16 },
  ]);
});

// act's testdata matrix-include-exclude: exclude first, then the include is appended.
test('exclude then include as in act matrix-include-exclude', () => {
  const combinations = expandMatrix({
    axes: { os: ['ubuntu-18.04', 'macos-latest'], node: [4, 6, 8, 10] },
    exclude: [{ os: 'macos-latest', node: 4 }],
    include: [{ os: 'ubuntu-16.04', node: 10 }],
  });
  assert.deepEqual(combinations.map(matrixLabel), [
    'ubuntu-18.04, 4',
    'ubuntu-18.04, 6',
    'ubuntu-18.04, 8',
    'ubuntu-18.04, 10',
    'macos-latest, 6',
    'macos-latest, 8',
    'macos-latest, 10',
    'ubuntu-16.04, 10',
  ]);
});

// act's testdata evalmatrix, job _additionalProperties_0.
test('an include entry matching on one axis adds its other keys (act evalmatrix)', () => {
  const combinations = expandMatrix({ axes: { x: [0], y: [0], z: [0] }, include: [{ def: 'val', z: 0 }] });
  assert.deepEqual(combinations, [{ x: 0, y: 0, z: 0, def: 'val' }]);
});

// act's testdata evalmatrix, job _additionalInclude_0.
test('a matrix with only include entries has one combination per entry', () => {
  assert.deepEqual(expandMatrix({ axes: {}, include: [{ def: 'val' }, { def: 'other', x: 1 }] }), [
    { def: 'val' },
    { def: 'other', x: 1 },
  ]);
});

test('an include can bring back an excluded combination', () => {
  const combinations = expandMatrix({
    axes: { os: ['linux', 'mac'] },
    exclude: [{ os: 'mac' }],
    include: [{ os: 'mac', experimental: true }],
  });
  assert.deepEqual(combinations, [{ os: 'linux' }, { os: 'mac', experimental: true }]);
});

test(`at most ${MAX_MATRIX_COMBINATIONS} combinations are allowed`, () => {
  const values = Array.from({ length: 16 }, (_, i) => i);
  assert.equal(expandMatrix({ axes: { a: values, b: values } }).length, 256);
  const message = matrixError(() => expandMatrix({ axes: { a: values, b: values }, include: [{ a: 99 }] }));
  assert.equal(message, 'matrix has 257 combinations; at most 256 are allowed');
});

test('a huge product is rejected before it is built', () => {
  const values = Array.from({ length: 100 }, (_, i) => i);
  assert.match(matrixError(() => expandMatrix({ axes: { a: values, b: values, c: values } })), /1000000 combinations/);
});

test('an axis that is not a list is an error naming it', () => {
  assert.equal(matrixError(() => expandMatrix({ axes: { node: 18 } })), 'matrix axis "node" must be a list of values, got number 18');
});

test('an empty axis without include is an error naming it', () => {
  assert.equal(matrixError(() => expandMatrix({ axes: { os: ['linux'], node: [] } })), 'matrix has no combinations: axis "node" is empty');
});

test('an exclude removing every combination without include is an error', () => {
  assert.match(matrixError(() => expandMatrix({ axes: { os: ['linux'] }, exclude: [{ os: 'linux' }] })), /exclude removes all/);
});

test('an empty matrix is an error', () => {
  assert.match(matrixError(() => expandMatrix({ axes: {} })), /at least one axis or an include entry/);
});

test('an exclude key that is not an axis is an error with a suggestion', () => {
  const message = matrixError(() => expandMatrix({ axes: { node: [18] }, exclude: [{ nod: 18 }] }));
  assert.equal(message, 'matrix exclude key "nod" does not match any axis of the matrix (did you mean "node"?)');
});

test('include and exclude entries must be mappings', () => {
  assert.match(matrixError(() => expandMatrix({ axes: { a: [1] }, include: ['x' as never] })), /include entry 1 must be a mapping/);
});

test('matrixLabel joins the values, objects as JSON', () => {
  assert.equal(matrixLabel({ node: 18, os: 'linux' }), '18, linux');
  assert.equal(matrixLabel({ target: { arch: 'arm' }, debug: true }), '{"arch":"arm"}, true');
});
