import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretMasker } from '../../../src/core/index.js';
import { parseCommand, WorkflowCommandProcessor } from '../../../src/engine/workflow-commands.js';

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

test('annotations, groups and debug messages are shown as log lines; debug only with ACTIONS_STEP_DEBUG', () => {
  const quiet = processor();
  quiet.feed('::group::Build', '::notice file=app.js,line=3,col=7::look here', '::error::broken', '::debug::details', '::endgroup::', '::unknown::kept');
  assert.deepEqual(quiet.shown, ['stdout: ▸ Build', 'system: notice: look here (app.js:3:7)', 'system: error: broken', 'stdout: ::unknown::kept']);
  const verbose = processor({ debug: true });
  verbose.feed('::debug::details');
  assert.deepEqual(verbose.shown, ['system: debug: details']);
});
