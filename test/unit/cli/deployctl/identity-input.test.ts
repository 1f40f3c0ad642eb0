import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimeFlag } from '../../../../src/cli/deployctl/audit-command.js';
import { printable } from '../../../../src/cli/deployctl/printable.js';
import { parsePasswordPair, withoutFinalNewline } from '../../../../src/cli/deployctl/secret-input.js';
import { newTokenRequest, parseProjectList } from '../../../../src/cli/deployctl/token-commands.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

test('--since takes how long ago, or an ISO date or time read as UTC unless it names a zone', () => {
  assert.equal(parseTimeFlag('--since', '24h', NOW), Date.parse('2025-05-31T12:00:00Z'));
  assert.equal(parseTimeFlag('--since', '1h30m', NOW), Date.parse('2025-06-01T10:30:00Z'));
  assert.equal(parseTimeFlag('--since', '2025-05-01', NOW), Date.parse('2025-05-01T00:00:00Z'));
  assert.equal(parseTimeFlag('--since', '2025-05-01 08:30', NOW), Date.parse('2025-05-01T08:30:00Z'));
  assert.equal(parseTimeFlag('--since', '2025-05-01T08:30:00+02:00', NOW), Date.parse('2025-05-01T06:30:00Z'));
});

test('--since refuses what is neither a duration nor an ISO time, naming the flag', () => {
  for (const text of ['yesterday', '1', '2025', '24', '2025-13-45']) {
    assert.throws(() => parseTimeFlag('--until', text, NOW), /^UsageError: --until expects an ISO date or time/, text);
  }
});

test('one final newline of piped input is dropped, inner ones are kept', () => {
  assert.equal(withoutFinalNewline('secret\n'), 'secret');
  assert.equal(withoutFinalNewline('secret\r\n'), 'secret');
  assert.equal(withoutFinalNewline('-----BEGIN KEY-----\nabc\n-----END KEY-----\n\n'), '-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
});

test('password --password-stdin reads the current password, then the new one', () => {
  assert.deepEqual(parsePasswordPair('old one\nnew one\n'), { currentPassword: 'old one', newPassword: 'new one' });
  for (const text of ['only one\n', 'a\nb\nc\n', '\nnew\n']) assert.throws(() => parsePasswordPair(text), /expected two lines/, text);
});

test('--projects is a comma-separated list of names, or * for all', () => {
  assert.deepEqual(parseProjectList(' web, api ,'), ['web', 'api']);
  assert.equal(parseProjectList('*'), '*');
  assert.throws(() => parseProjectList(' , '), /--projects expects project names/);
});

test('tokens create sends only the flags given, so the server defaults apply', () => {
  assert.deepEqual(newTokenRequest('ci', { kind: 'api' }), { name: 'ci', kind: 'api' });
  assert.deepEqual(newTokenRequest('reg', { kind: 'api', registration: true, expiresIn: '7d' }), { name: 'reg', kind: 'runner-registration', expiresIn: '7d' });
  assert.deepEqual(newTokenRequest('all', { kind: 'api', projects: '*', admin: true }), { name: 'all', kind: 'api', projects: '*', admin: true });
});

test('server text is printed with control characters escaped', () => {
  assert.equal(printable('alice'), 'alice');
  assert.equal(printable('a\u001b]0;pwned\u0007b'), 'a\\x1b]0;pwned\\x07b');
  assert.equal(printable('x\r\ny\u009bz'), 'x\\x0d\\x0ay\\x9bz');
  assert.equal(printable('admin\u202egnp.exe'), 'admin\\u202egnp.exe');
});
