import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExpireIn } from '../../../src/pipeline/expire-in.js';
import { compiled, diagnosticsOf } from './compile-support.js';

test('artifacts keep their name, when and expire-in; when defaults to on_success', () => {
  const pipeline = compiled(`
    jobs:
      build:
        artifacts: { name: dist, paths: dist/**, when: always, expire-in: 1 week and 2 days }
        steps: [{ run: make }]
      test:
        artifacts: { paths: [report.xml], expire-in: never }
        steps: [{ run: make test }]
  `);
  assert.deepEqual(pipeline.jobs[0]?.artifacts, { paths: ['dist/**'], name: 'dist', when: 'always', expireIn: 9 * 86_400_000 });
  assert.deepEqual(pipeline.jobs[1]?.artifacts, { paths: ['report.xml'], when: 'on_success', expireIn: 'never' });
});

test('a bad when, expire-in or name is reported where it is written', () => {
  const source = 'jobs:\n  a:\n    artifacts: { paths: x, when: on_error, expire-in: soon, name: ../up }\n    steps: [{ run: a }]\n';
  assert.deepEqual(diagnosticsOf(source), [
    'p.yml:3:34: "when" must be on_success, on_failure or always, got "on_error"',
    'p.yml:3:55: "expire-in" must be a duration such as "30 days", "2h" or "1 week and 2 days", or "never", got "soon"',
    'p.yml:3:67: artifact name "../up" must be letters, digits, . _ + - (at most 100, not starting with . or -)',
  ]);
});

test('expire-in reads GitLab durations: words, abbreviations, bare seconds', () => {
  assert.equal(parseExpireIn('30 days'), 30 * 86_400_000);
  assert.equal(parseExpireIn('2h'), 7_200_000);
  assert.equal(parseExpireIn('3 mins 4 sec'), 184_000);
  assert.equal(parseExpireIn('2h20min'), 8_400_000);
  assert.equal(parseExpireIn('6 mos 1 day'), 181 * 86_400_000);
  assert.equal(parseExpireIn('42'), 42_000);
  assert.equal(parseExpireIn('Never'), 'never');
  for (const bad of ['soon', '0', '2 days 3', 'days', '5 bananas']) assert.equal(parseExpireIn(bad), undefined, bad);
});

test('two jobs whose artifacts share a name are refused at the second', () => {
  const source = 'jobs:\n  build:\n    artifacts: { paths: dist }\n    steps: [{ run: a }]\n  pack:\n    artifacts: { name: build, paths: out }\n    steps: [{ run: b }]\n';
  assert.deepEqual(diagnosticsOf(source), ['p.yml:5:3: job "pack": artifact name "build" is already used by job "build" (set "artifacts.name" to tell them apart)']);
});
