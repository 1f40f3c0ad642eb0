import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveConfigPath } from '../../../../src/cli/deployctl/index.js';
import type { ApiStandIn } from './support/api-stand-in.js';
import { startApiStandIn } from './support/api-stand-in.js';
import { deployctl, tempConfigPath } from './support/test-context.js';

let server: ApiStandIn;
let other: ApiStandIn;

before(async () => {
  server = await startApiStandIn();
  other = await startApiStandIn();
  for (const standIn of [server, other]) {
    standIn.json('GET', '/api/v1/whoami', 200, { name: 'ci-bot', kind: 'api' });
    standIn.json('GET', '/api/v1/runners', 200, { runners: [] });
  }
});
after(async () => {
  await server.close();
  await other.close();
});

const lastAuthorization = (standIn: ApiStandIn) => standIn.requests.at(-1)?.authorization;

function saveLogin(configPath: string, login: { server: string; token: string }) {
  mkdirSync(dirname(configPath), { recursive: true });
  writeFileSync(configPath, JSON.stringify(login));
}

test('login checks the token, saves server and token readable by the owner only, and says who you are', async () => {
  const configPath = tempConfigPath();
  const result = await deployctl(['login', '--server', `${server.url}/`, '--token', 'tok-login'], { configPath });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `logged in to ${server.url} as ci-bot\n`);
  assert.equal(lastAuthorization(server), 'Bearer tok-login');
  assert.equal(statSync(configPath).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(configPath, 'utf8')), { server: server.url, token: 'tok-login' });
  assert.deepEqual(readdirSync(dirname(configPath)), ['deployctl.json'], 'no temporary file is left behind');
});

test('later commands use the saved login', async () => {
  const configPath = tempConfigPath();
  await deployctl(['login', '--server', server.url, '--token', 'tok-saved'], { configPath });
  const result = await deployctl(['runners', 'list'], { configPath });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(lastAuthorization(server), 'Bearer tok-saved');
});

test('a login the server rejects saves nothing', async () => {
  const rejecting = await startApiStandIn();
  rejecting.json('GET', '/api/v1/whoami', 401, { error: { code: 'auth.invalid-token', message: 'invalid token' } });
  const configPath = tempConfigPath();
  const result = await deployctl(['login', '--server', rejecting.url, '--token', 'tok-bad'], { configPath });
  await rejecting.close();
  assert.equal(result.code, 1);
  assert.match(result.stderr, /rejected the token; nothing was saved/);
  assert.equal(existsSync(configPath), false);
});

test('flags win over the environment, which wins over the saved login', async () => {
  const configPath = tempConfigPath();
  saveLogin(configPath, { server: other.url, token: 'tok-file' });
  const env = { server: server.url, token: 'tok-env' };

  await deployctl(['runners', 'list', '--server', other.url, '--token', 'tok-flag'], { configPath, env });
  assert.equal(lastAuthorization(other), 'Bearer tok-flag');

  const before = server.requests.length;
  await deployctl(['runners', 'list'], { configPath, env });
  assert.equal(server.requests.length, before + 1, 'DEPLOYLITE_SERVER wins over the saved server');
  assert.equal(lastAuthorization(server), 'Bearer tok-env');

  await deployctl(['runners', 'list'], { configPath });
  assert.equal(lastAuthorization(other), 'Bearer tok-file');
});

test('the saved token is never sent to another server', async () => {
  const configPath = tempConfigPath();
  saveLogin(configPath, { server: other.url, token: 'tok-other-server' });
  const before = server.requests.length;
  const result = await deployctl(['runners', 'list', '--server', server.url], { configPath });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no token for http:\/\/127\.0\.0\.1:\d+ \(the saved login .* is for /);
  assert.equal(server.requests.length, before);
  assert.doesNotMatch(result.stderr, /tok-other-server/);
});

test('without a server anywhere, the error names all three ways to give one', async () => {
  const result = await deployctl(['runners', 'list'], { env: { token: 'tok' } });
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    'deployctl: no server given: pass --server URL, set DEPLOYLITE_SERVER, or save one with `deployctl login --server URL --user NAME` (or --token TOKEN)\n',
  );
});

test('without a token anywhere, the error names all three ways to give one', async () => {
  const result = await deployctl(['runners', 'list', '--server', server.url]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no token given: pass --token TOKEN, set DEPLOYLITE_TOKEN, or save one with `deployctl login/);
});

test('a server URL that is not http(s) is a usage error naming where it came from', async () => {
  const result = await deployctl(['runners', 'list'], { env: { server: 'ftp://ci.example', token: 'tok' } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /the server URL from DEPLOYLITE_SERVER must be an http:\/\/ or https:\/\/ URL/);
});

test('a damaged config file is named in the error, not a crash', async () => {
  const configPath = tempConfigPath();
  mkdirSync(dirname(configPath), { recursive: true });
  writeFileSync(configPath, '{ not json');
  const result = await deployctl(['runners', 'list'], { configPath });
  assert.equal(result.code, 2);
  assert.ok(result.stderr.includes(`${configPath} is not a deployctl config file`), result.stderr);
});

test('the config file is $DEPLOYCTL_CONFIG, else under $XDG_CONFIG_HOME, else under ~/.config', () => {
  assert.equal(resolveConfigPath({ DEPLOYCTL_CONFIG: '/etc/dc.json', XDG_CONFIG_HOME: '/x', home: '/home/a' }), '/etc/dc.json');
  assert.equal(resolveConfigPath({ XDG_CONFIG_HOME: '/x', home: '/home/a' }), '/x/deploylite/deployctl.json');
  assert.equal(resolveConfigPath({ home: '/home/a' }), '/home/a/.config/deploylite/deployctl.json');
  assert.equal(resolveConfigPath({ XDG_CONFIG_HOME: 'relative', home: '/home/a' }), '/home/a/.config/deploylite/deployctl.json');
});
