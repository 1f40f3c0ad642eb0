import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compilePipeline } from '../../../src/pipeline/index.js';
import { compiled, diagnosticsOf } from './compile-support.js';

const JOBS = 'jobs:\n  a:\n    steps: [{ run: make }]\n';

test('without "on", pushes, pull requests and manual runs start the pipeline', () => {
  const { triggers, concurrency } = compiled(JOBS);
  assert.deepEqual(triggers.push, {});
  assert.deepEqual(triggers.pullRequest?.types, ['opened', 'synchronize', 'reopened']);
  assert.equal(triggers.manual, true);
  assert.deepEqual(triggers.schedule, []);
  assert.equal(concurrency, undefined);
});

test('"on" with filters, schedules and manual off is kept as written', () => {
  const { triggers } = compiled(`
    on:
      push:
        branches: [main, 'release/**']
        tags: ['v*']
      pull_request:
        branches: [main]
        types: [opened, closed]
      schedule:
        - cron: '0 3 * * 1-5'
        - cron: '*/10 * * * * *'
      manual: false
    jobs: { a: { steps: [{ run: make }] } }`);
  assert.deepEqual(triggers.push, { branches: ['main', 'release/**'], tags: ['v*'] });
  assert.deepEqual(triggers.pullRequest, { branches: ['main'], types: ['opened', 'closed'] });
  assert.deepEqual(triggers.schedule.map((s) => [s.cron, s.position.line]), [['0 3 * * 1-5', 9], ['*/10 * * * * *', 10]]);
  assert.equal(triggers.manual, false);
});

test('the GitHub short forms "on: push" and "on: [push, pull_request]"', () => {
  const single = compiled(`on: push\n${JOBS}`).triggers;
  assert.deepEqual([single.push, single.pullRequest], [{}, undefined]);
  const list = compiled(`on: [push, pull_request]\n${JOBS}`).triggers;
  assert.deepEqual(list.pullRequest?.types, ['opened', 'synchronize', 'reopened']);
});

test('a bad cron expression, an unknown event and an unknown type are reported where they are', () => {
  const problems = diagnosticsOf(`
    on:
      pusj: {}
      pull_request:
        types: [opened, labeled]
      schedule:
        - cron: '61 * * * *'
        - cron: 'every day'
    jobs: { a: { steps: [{ run: make }] } }`);
  assert.equal(problems[0], 'p.yml:2:3: unknown key "pusj" (did you mean "push"?)');
  assert.equal(problems[1], 'p.yml:4:21: unknown pull request type "labeled" (one of opened, synchronize, reopened, closed)');
  assert.match(problems[2] ?? '', /^p\.yml:6:13: invalid cron expression "61 \* \* \* \*": /);
  assert.match(problems[3] ?? '', /^p\.yml:7:13: invalid cron expression "every day": expected 5 fields/);
  assert.equal(problems.length, 4);
});

test('concurrency: a group, or a group with cancel-in-progress', () => {
  assert.deepEqual(compiled(`concurrency: deploy\n${JOBS}`).concurrency, { group: 'deploy', cancelInProgress: false });
  const spec = compiled(`concurrency:\n  group: deploy-\${{ trigger.ref }}\n  cancel-in-progress: true\n${JOBS}`).concurrency;
  assert.deepEqual(spec, { group: 'deploy-${{ trigger.ref }}', cancelInProgress: true });
});

test('concurrency of the wrong shape is reported', () => {
  assert.deepEqual(diagnosticsOf(`concurrency: [a]\n${JOBS}`), ['p.yml:1:14: "concurrency" must be a group name or a mapping with "group" and "cancel-in-progress", got a list']);
  assert.deepEqual(diagnosticsOf(`concurrency:\n  cancel-in-progress: yes\n${JOBS}`), ['p.yml:1:1: "concurrency" needs a "group"']);
  assert.match(diagnosticsOf(`concurrency:\n  group: g\n  cancel-in-progress: sometimes\n${JOBS}`)[0] ?? '', /^p\.yml:3:23: "cancel-in-progress" must be /);
  assert.match(diagnosticsOf(`concurrency: \${{ trigger. }}\n${JOBS}`)[0] ?? '', /^p\.yml:1:14: invalid expression in "concurrency"/);
});

test('a cron expression that names no real date is an error, not a schedule that never fires', () => {
  const problems = diagnosticsOf(`on:\n  schedule: [{ cron: '0 0 30 2 *' }]\n${JOBS}`);
  assert.deepEqual(problems, ['p.yml:2:22: invalid cron expression "0 0 30 2 *": it matches no date (check the day of month against the month)']);
});

test('"schedule" in the short form asks for its cron expressions', () => {
  assert.match(diagnosticsOf(`on: [push, schedule]\n${JOBS}`)[0] ?? '', /^p\.yml:1:12: the "schedule" event needs its cron expressions/);
});

test('an empty concurrency group is reported', () => {
  assert.deepEqual(diagnosticsOf(`concurrency: { group: '  ' }\n${JOBS}`), ['p.yml:1:23: "concurrency" needs a non-empty group']);
});

test('the concurrency group may use the trigger, vars and env contexts', () => {
  const { concurrency } = compiled(`concurrency: \${{ trigger.branch }}-\${{ vars.REGION }}-\${{ env.STAGE }}\n${JOBS}`);
  assert.equal(concurrency?.group, '${{ trigger.branch }}-${{ vars.REGION }}-${{ env.STAGE }}');
});

test('the concurrency group cannot use contexts that do not exist when a run is queued', () => {
  assert.deepEqual(diagnosticsOf(`concurrency: \${{ github.workflow }}-\${{ secrets.TOKEN }}\n${JOBS}`), [
    'p.yml:1:14: the concurrency group can use only the trigger, vars and env contexts, not "github"; write trigger.ref, trigger.branch or trigger.event',
    'p.yml:1:14: the concurrency group can use only the trigger, vars and env contexts, not "secrets"',
  ]);
});

test('branch and tag patterns are checked where they are written', () => {
  const problems = diagnosticsOf(`on:\n  push:\n    branches: ['v[9-0]', ok]\n    tags: ['+1']\n${JOBS}`);
  assert.deepEqual(problems, [
    'p.yml:3:16: invalid pattern "v[9-0]" in "branches": "9-0" is not a range (ranges go from a lower to a higher letter or digit, as in a-z or 0-9)',
    'p.yml:4:12: invalid pattern "+1" in "tags": "+" must follow a character it repeats (write "\\+" to match a literal "+")',
  ]);
});

test('every-key.yml: "on" and "concurrency" in the model', () => {
  const file = join(import.meta.dirname, '../../fixtures/pipelines/valid/every-key.yml');
  const { pipeline } = compilePipeline(readFileSync(file, 'utf8'), 'every-key.yml');
  assert.ok(pipeline);
  const { schedule, ...events } = pipeline.triggers;
  assert.deepEqual(events, {
    push: { branches: ['main', 'release/**', '!release/**-alpha'], tags: ['v*'] },
    pullRequest: { branches: ['main'], types: ['opened', 'synchronize', 'reopened', 'closed'] },
    manual: false,
  });
  assert.deepEqual(schedule, [
    { cron: '0 3 * * 1-5', position: { line: 11, col: 13 } },
    { cron: '30 */10 * * * *', position: { line: 12, col: 13 } },
  ]);
  assert.deepEqual(pipeline.concurrency, { group: 'deploy-${{ trigger.ref }}-${{ vars.REGION }}-${{ env.STAGE }}', cancelInProgress: true });
});
