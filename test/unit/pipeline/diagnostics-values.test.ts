import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf } from './compile-support.js';

test('a bad duration is reported with the forms that work', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    timeout: 5 minutes\n    steps: [{ run: a, timeout: 0s }]\n'), [
    'p.yml:3:14: "timeout" must be a duration such as 90s or 10m, got "5 minutes"',
    'p.yml:4:32: "timeout" must be longer than zero, got "0s"',
  ]);
});

test('retry checks max, backoff and its delays', () => {
  assert.deepEqual(
    diagnosticsOf(`
      defaults:
        retry: { backoff: linear, delay: soon }
      jobs:
        a: { retry: -1, steps: [{ run: a }] }
    `),
    [
      'p.yml:2:3: "retry" needs "max", the number of retries after the first attempt',
      'p.yml:2:21: "backoff" must be exponential or fixed, got "linear"',
      'p.yml:2:36: "delay" must be a duration such as 90s or 10m, got "soon"',
      'p.yml:4:15: "retry" must be an integer of 0 or more, got -1',
    ],
  );
});

test('a job without steps is an error, whether steps is missing or empty', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    name: A\n  b:\n    steps: []\n'), [
    'p.yml:2:3: job "a" has no steps',
    'p.yml:5:5: job "b" has no steps',
  ]);
});

test('a step needs exactly one of run and uses', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        a:
          steps:
            - name: nothing to do
            - run: make
              uses: deploylite/checkout
    `),
    ['p.yml:4:9: a step needs "run" (a command) or "uses" (a step type)', 'p.yml:6:9: a step has either "run" or "uses", not both'],
  );
});

test('uses must name a built-in step type', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n'), [
    'p.yml:4:15: unknown step type "actions/checkout@v4" (step plugins come later; built-in types: deploylite/checkout)',
  ]);
});

test('with is only for uses steps', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    steps:\n      - run: make\n        with: { x: 1 }\n'), [
    'p.yml:5:9: "with" passes inputs to a "uses" step; this step has no "uses"',
  ]);
});

test('job and step ids follow GitHub rules', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  1st:\n    steps:\n      - id: my step\n        run: a\n'), [
    'p.yml:2:3: invalid job id "1st": an id starts with a letter or "_" and holds only letters, digits, "-" and "_"',
    'p.yml:4:13: invalid step id "my step": an id starts with a letter or "_" and holds only letters, digits, "-" and "_"',
  ]);
});

test('step ids are unique within a job, rollback steps included', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        a:
          steps:
            - { id: build, run: make }
            - { id: build, run: make again }
          rollback:
            - { id: build, run: undo }
        b:
          steps: [{ id: build, run: fine in another job }]
    `),
    ['p.yml:5:15: duplicate step id "build" (first used at line 4)', 'p.yml:7:15: duplicate step id "build" (first used at line 4)'],
  );
});

test('a matrix axis must be a non-empty list or an expression', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        a:
          matrix: { os: linux, node: [], include: { os: mac } }
          steps: [{ run: a }]
        b: { matrix: {}, steps: [{ run: b }] }
    `),
    [
      'p.yml:3:19: matrix axis "os" must be a list of values or a ${{ }} expression, got "linux"',
      'p.yml:3:32: matrix axis "node" has no values',
      'p.yml:3:45: "include" must be a list of mappings, got a mapping',
      'p.yml:5:16: "matrix" needs at least one axis or an "include" entry',
    ],
  );
});

test('cache needs a key and paths, artifacts need paths', () => {
  assert.deepEqual(diagnosticsOf('jobs:\n  a:\n    cache: { paths: [] }\n    artifacts: {}\n    steps: [{ run: a }]\n'), [
    'p.yml:3:5: "cache" needs "key"',
    'p.yml:3:14: "paths" must list at least one glob',
    'p.yml:4:5: "artifacts" needs "paths"',
  ]);
});
