import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf } from './compile-support.js';

test('needs naming a job that does not exist suggests the closest id', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        build: { steps: [{ run: b }] }
        test: { needs: [biuld, lint], steps: [{ run: t }] }
    `),
    ['p.yml:3:19: "needs" names unknown job "biuld" (did you mean "build"?)', 'p.yml:3:26: "needs" names unknown job "lint"'],
  );
});

test('a job id defined twice is reported at the second definition', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        build: { steps: [{ run: a }] }
        test: { steps: [{ run: t }] }
        build: { steps: [{ run: b }] }
    `),
    ['p.yml:4:3: duplicate job id "build" (first defined at line 2)'],
  );
});

test('a dependency cycle is printed once, at its first job', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        a: { needs: c, steps: [{ run: a }] }
        b: { needs: a, steps: [{ run: b }] }
        c: { needs: b, steps: [{ run: c }] }
        d: { needs: c, steps: [{ run: d }] }
    `),
    ['p.yml:2:3: dependency cycle: a -> b -> c -> a'],
  );
});

test('each separate cycle gets its own diagnostic, a self-dependency included', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        a: { needs: b, steps: [{ run: a }] }
        b: { needs: a, steps: [{ run: b }] }
        c: { needs: c, steps: [{ run: c }] }
    `),
    ['p.yml:2:3: dependency cycle: a -> b -> a', 'p.yml:4:3: dependency cycle: c -> c'],
  );
});

test('a pipeline without jobs is an error', () => {
  assert.deepEqual(diagnosticsOf('name: nothing\n'), ['p.yml:1:1: a pipeline needs "jobs", a mapping of job ids to jobs']);
  assert.deepEqual(diagnosticsOf('jobs: {}\n'), ['p.yml:1:1: "jobs" must define at least one job']);
});

test('every problem of a file is reported at once, sorted by position', () => {
  const found = diagnosticsOf(`
    jobs:
      build:
        neds: test
        steps: [{ run: make, timeout: soon }]
      test:
        needs: biuld
        steps: []
  `);
  assert.deepEqual(
    found.map((line) => line.split(': ')[0]),
    ['p.yml:3:5', 'p.yml:4:35', 'p.yml:6:12', 'p.yml:7:5'],
  );
});
