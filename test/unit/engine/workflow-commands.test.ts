import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretMasker } from '../../../src/core/index.js';
import { runPipeline } from '../../../src/engine/index.js';
import { parseCommand, WorkflowCommandProcessor } from '../../../src/engine/workflow-commands.js';
import { LocalExecutor } from '../../../src/executors/local/index.js';
import type { StepSpec } from '../../../src/pipeline/index.js';
import { compilePipeline } from '../../../src/pipeline/index.js';
import { SqliteRunStore } from '../../../src/store/index.js';
import { dedent } from '../../support/dedent.js';

const processor = (options: { allowUnsecure?: boolean; debug?: boolean } = {}) => {
  const masker = new SecretMasker();
  const commands = new WorkflowCommandProcessor({ masker, allowUnsecure: options.allowUnsecure ?? false, debug: options.debug ?? false });
  const shown: string[] = [];
  const feed = (...lines: string[]) => {
    for (const line of lines) {
      const out = commands.process('stdout', line);
      if (out) shown.push(`${out.stream}: ${out.text}`);
    }
  };
  return { commands, shown, feed };
};

test('a command line splits into name, properties and data, with the runner\'s escapes undone', () => {
  assert.deepEqual(parseCommand('::set-output name=a%3Ab%2Cc::x%25y%0Az'), { name: 'set-output', properties: { name: 'a:b,c' }, data: 'x%y\nz' });
  assert.deepEqual(parseCommand('  ::endgroup::'), { name: 'endgroup', properties: {}, data: '' });
  assert.equal(parseCommand('echo ::set-output name=a::b'), undefined);
  assert.equal(parseCommand('::not a command'), undefined);
});

test('::set-output sets an output, hides the line and warns once that it is deprecated', () => {
  const { commands, shown, feed } = processor();
  feed('::set-output name=a::1', '::set-output name=b::two words', 'plain');
  assert.deepEqual(commands.outputs, { a: '1', b: 'two words' });
  assert.deepEqual(shown, ['system: warning: the `set-output` command is deprecated on GitHub; write to $GITHUB_OUTPUT', 'stdout: plain']);
});

test('::add-mask:: masks the value in every later line, and the command line itself is not shown', () => {
  const { shown, feed } = processor();
  feed('before s3cret', '::add-mask::s3cret', 'after s3cret', '::warning::leaked s3cret');
  assert.deepEqual(shown, ['stdout: before s3cret', 'stdout: after ***', 'system: warning: leaked ***']);
});

test('::set-env and ::add-path fail the step unless ACTIONS_ALLOW_UNSECURE_COMMANDS=true, as on GitHub', () => {
  const refused = processor();
  refused.feed('::set-env name=A::1', '::add-path::/opt/bin');
  assert.deepEqual(refused.commands.env, {});
  assert.equal(refused.commands.errors.length, 2);
  assert.match(refused.commands.errors[0] ?? '', /`set-env` command is disabled.*ACTIONS_ALLOW_UNSECURE_COMMANDS=true/);

  const allowed = processor({ allowUnsecure: true });
  allowed.feed('::set-env name=A::1', '::add-path::/first', '::add-path::/second');
  assert.deepEqual(allowed.commands.env, { A: '1' });
  assert.deepEqual(allowed.commands.path, ['/second', '/first']);
  assert.deepEqual(allowed.commands.errors, []);
});

test('::set-env never sets NODE_OPTIONS, even with unsecure commands allowed, as GitHub\'s runner refuses it', () => {
  const { commands, feed } = processor({ allowUnsecure: true });
  feed('::set-env name=NODE_OPTIONS::--require /tmp/evil.js', '::set-env name=node_options::--inspect', '::set-env name=OK::1');
  assert.deepEqual(commands.env, { OK: '1' });
  assert.equal(commands.errors.length, 2);
  assert.match(commands.errors[0] ?? '', /may not set NODE_OPTIONS/);
});

test('::save-state keeps a value for the action\'s later steps and shows nothing', () => {
  const { commands, shown, feed } = processor();
  feed('::save-state name=pid::123');
  assert.deepEqual(commands.state, { pid: '123' });
  assert.deepEqual(shown, []);
});

test('::stop-commands:: shows commands as text until its token comes back', () => {
  const { commands, shown, feed } = processor();
  feed('::stop-commands::pause-123', '::set-output name=a::1', '::pause-123::', '::set-output name=b::2');
  assert.deepEqual(commands.outputs, { b: '2' });
  assert.equal(shown[0], 'stdout: ::set-output name=a::1');
});

test('::stop-commands:: with an empty token or a command\'s name fails the step, as GitHub\'s runner does, unless allowed', () => {
  const refused = processor();
  refused.feed('::stop-commands::add-mask', '::set-output name=a::1', '::stop-commands::');
  assert.deepEqual(refused.commands.outputs, { a: '1' });
  assert.equal(refused.commands.errors.length, 2);
  assert.match(refused.commands.errors[0] ?? '', /not a command's name \(got "add-mask"\).*ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS=true/);

  const masker = new SecretMasker();
  const allowed = new WorkflowCommandProcessor({ masker, allowUnsecure: false, debug: false, allowUnsecureStopTokens: true });
  for (const line of ['::stop-commands::add-mask', '::set-output name=a::1', '::add-mask::', '::set-output name=b::2']) allowed.process('stdout', line);
  assert.deepEqual(allowed.outputs, { b: '2' });
  assert.deepEqual(allowed.errors, []);
});

test('annotations, groups and debug messages are shown as log lines; debug only with ACTIONS_STEP_DEBUG', () => {
  const quiet = processor();
  quiet.feed('::group::Build', '::notice file=app.js,line=3,col=7::look here', '::error::broken', '::debug::details', '::endgroup::', '::unknown::kept');
  assert.deepEqual(quiet.shown, ['stdout: ▸ Build', 'system: notice: look here (app.js:3:7)', 'system: error: broken', 'stdout: ::unknown::kept']);
  const verbose = processor({ debug: true });
  verbose.feed('::debug::details');
  assert.deepEqual(verbose.shown, ['system: debug: details']);
});

test('an ::add-mask:: value is masked in the job outputs, the error and the rollback steps too, not only in the log', async () => {
  const source = dedent(`
    jobs:
      build:
        outputs: { token: '\${{ steps.make.outputs.token }}' }
        steps:
          - id: make
            run: |
              echo "::add-mask::tok-123"
              echo "token=tok-123" >> "$DEPLOYLITE_OUTPUT"
              echo "failing with tok-123" >&2
              exit 3
        rollback:
          - run: echo "rolling back tok-123"
  `);
  const compiled = compilePipeline(source, 'test.yml').pipeline;
  assert.ok(compiled);
  // As the workflows front end compiles them: the steps obey workflow commands.
  const withCommands = (steps: readonly StepSpec[]) => steps.map((step) => ({ ...step, workflowCommands: true }));
  const pipeline = { ...compiled, jobs: compiled.jobs.map((job) => ({ ...job, steps: withCommands(job.steps), rollback: withCommands(job.rollback) })) };
  const store = new SqliteRunStore(':memory:');
  const result = await runPipeline({ pipeline, source, store, jobs: { executor: new LocalExecutor() }, workspaceDir: process.cwd(), parallel: 1 });
  const job = result.jobs[0];
  assert.equal(job?.status, 'failed');
  assert.deepEqual(job?.outputs, { token: '***' });
  const log = (await store.readLogs(result.run.id, 'build')).map((line) => line.text).join('\n');
  assert.match(log, /rolling back \*\*\*/);
  assert.doesNotMatch(log, /tok-123/);
});
