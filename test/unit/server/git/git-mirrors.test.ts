import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GitMirrors } from '../../../../src/server/git/git-mirror.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'git-mirrors-'));

/** A repository with one commit on `main`, and a commit that only `refs/pull/7/head` holds (a fork's). */
function repositoryWithPullRequest(): { path: string; main: string; fork: string } {
  const path = temp();
  const git = (...args: string[]) => execFileSync('git', ['-C', path, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  writeFileSync(join(path, 'a.txt'), 'main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'main');
  const main = git('rev-parse', 'HEAD');
  writeFileSync(join(path, 'a.txt'), 'fork');
  git('commit', '--quiet', '-am', 'fork');
  const fork = git('rev-parse', 'HEAD');
  git('update-ref', 'refs/pull/7/head', fork);
  git('reset', '--quiet', '--hard', main);
  return { path, main, fork };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a pull request from a fork is fetched by its pull request ref and built at its exact commit', async () => {
  const repo = repositoryWithPullRequest();
  const mirrors = new GitMirrors(temp());
  assert.equal(await mirrors.resolve(1, repo.path, 'refs/pull/7/head', repo.fork), repo.fork);
  assert.equal(await mirrors.readFile(1, repo.fork, 'a.txt'), 'fork');
});

test('a commit the fetched ref did not bring is refused as an unknown ref', async () => {
  const repo = repositoryWithPullRequest();
  const mirrors = new GitMirrors(temp());
  await assert.rejects(mirrors.resolve(1, repo.path, 'refs/heads/main', repo.fork), { code: 'run.unknown-ref' });
  assert.equal(await mirrors.resolve(1, repo.path, 'main'), repo.main);
});

test('a commit an earlier fetch brought needs no fetch: it resolves even while the repository cannot be reached', async () => {
  const repo = repositoryWithPullRequest();
  const mirrors = new GitMirrors(temp());
  assert.equal(await mirrors.resolve(1, repo.path, 'main'), repo.main);
  const gone = `${repo.path}-moved`;
  renameSync(repo.path, gone);
  assert.equal(await mirrors.resolve(1, repo.path, 'refs/heads/main', repo.main), repo.main);
  await assert.rejects(mirrors.resolve(1, repo.path, 'main'), { code: 'run.fetch-failed' });
  await assert.rejects(mirrors.resolve(1, repo.path, 'refs/heads/main', repo.main.slice(0, 12)), { code: 'run.fetch-failed' });
});

test('a directory left where a mirror belongs (a server killed while creating it) becomes a mirror again', async () => {
  const repo = repositoryWithPullRequest();
  const root = temp();
  mkdirSync(join(root, '1.git'));
  mkdirSync(join(root, '.1.git-init-abc123'));
  const mirrors = new GitMirrors(root);
  assert.equal(await mirrors.resolve(1, repo.path, 'main'), repo.main);
  assert.deepEqual(readdirSync(root), ['1.git']);
});

test('a fetch error names the repository without the credentials in its URL', async () => {
  const mirrors = new GitMirrors(temp());
  const url = `https://deploy:s3cret-token@127.0.0.1:${await closedPort()}/acme/app.git`;
  const error = await mirrors.resolve(1, url, 'main').then(
    () => assert.fail('the fetch succeeded'),
    (thrown: Error & { code?: string }) => thrown,
  );
  assert.equal(error.code, 'run.fetch-failed');
  assert.match(error.message, /https:\/\/\*\*\*@127\.0\.0\.1:\d+\/acme\/app\.git/);
  assert.doesNotMatch(error.message, /s3cret-token|deploy:/);
});

test('a fetch from a host that stops answering is killed after the timeout', { timeout: 30_000 }, async () => {
  const sockets = new Set<Socket>();
  const silent = createServer(() => {
    // Never answers.
  });
  silent.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const mirrors = new GitMirrors(temp(), { fetchTimeoutMs: 300 });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/repo.git`;
    await assert.rejects(mirrors.resolve(1, url, 'main'), { code: 'run.fetch-failed', message: /did not finish within 300ms/ });
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
