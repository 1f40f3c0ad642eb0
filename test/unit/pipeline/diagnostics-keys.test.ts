import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf } from './compile-support.js';

test('an unknown key is reported at the key with the closest known key', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        build:
          neds: test
          steps:
            - run: make
              shel: bash
    `),
    ['p.yml:3:5: unknown key "neds" (did you mean "needs"?)', 'p.yml:6:9: unknown key "shel" (did you mean "shell"?)'],
  );
});

test('an unknown key far from every known key gets no suggestion', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a: { steps: [{ run: a }] }\ntriggers: push\n'), ['p.yml:3:1: unknown key "triggers"']);
});

test('keys brought from GitHub Actions or GitLab CI get specific advice', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        build:
          timeout-minutes: 10
          strategy: { matrix: { os: [linux] } }
          steps: [{ run: make }]
    `),
    [
      'p.yml:3:5: unknown key "timeout-minutes" (use "timeout" with a duration such as 10m)',
      'p.yml:4:5: unknown key "strategy" ("matrix", "fail-fast" and "max-parallel" go directly on the job)',
    ],
  );
});

test('top-level keys starting with x- are free for anchors', () => {
  assert.deepEqual(diagnosticsOf('x-common: &c { run: a }\njobs:\n  a: { steps: [*c] }\n'), []);
});

test('a key written twice in one mapping is reported at the second one', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        build:
          timeout: 1m
          steps: [{ run: make }]
          timeout: 2m
    `),
    ['p.yml:5:5: duplicate key "timeout" (first used at line 3)'],
  );
});

test('a wrong type names the key, what it must be and what it got', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        build:
          needs: { a: 1 }
          fail-fast: yes
          max-parallel: 0
          env: [A=1]
          steps: { run: make }
    `),
    [
      'p.yml:3:12: "needs" must be a job id or a list of job ids, got a mapping',
      'p.yml:4:16: "fail-fast" must be true or false, got "yes"',
      'p.yml:5:19: "max-parallel" must be a positive integer, got 0',
      'p.yml:6:10: "env" must be a mapping of names to values, got a list',
      'p.yml:7:12: "steps" must be a list of steps, got a mapping',
    ],
  );
});

test('an empty value is reported at its key', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  build:\n    image:\n    steps: [{ run: a }]\n'), ['p.yml:3:5: "image" must be a string, got nothing']);
});

test('a job that is not a mapping, and a step that is not a mapping, are reported', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  build: make\n  test:\n    steps: [make]\n'), [
    'p.yml:2:10: job "build" must be a mapping with "steps", got "make"',
    'p.yml:4:13: a step must be a mapping with "run" or "uses", got "make"',
  ]);
});

test('keys named like object properties are plain unknown keys', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    constructor: x\n    __proto__: y\n    steps: [{ run: a }]\n'), [
    'p.yml:3:5: unknown key "constructor"',
    'p.yml:4:5: unknown key "__proto__"',
  ]);
});
