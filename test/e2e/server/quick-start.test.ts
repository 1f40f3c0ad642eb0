import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, workdir } from '../support/cli.js';
import { gitRepo, startServer } from '../support/control-plane.js';

test('the Quick start: `deploylite server --example` prints how to trigger the example, and deployctl runs it live', async () => {
  const checkout = gitRepo({ 'examples/hello.yml': readFileSync(join(REPO_ROOT, 'examples/hello.yml'), 'utf8') });
  const server = await startServer({ cwd: checkout.path, args: ['--example'], env: { DEPLOYLITE_ADMIN_TOKEN: '' } });
  try {
    const banner = server.cli.stderr();
    const login = /\.\/bin\/deployctl login --server (\S+) --token "\$\(cat (\S+)\)"/.exec(banner);
    assert.ok(login, banner);
    const token = readFileSync(login[2] as string, 'utf8').trim();
    // The printed address opens the dashboard, where the admin signs in.
    const dashboard = /dashboard: (\S+) \(sign in as "admin"\)/.exec(banner);
    assert.ok(dashboard, banner);
    assert.match(await (await fetch(dashboard[1] as string)).text(), /<div id="app"><\/div>/);
    const home = workdir();
    const deployctl = (...args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1' };
      delete env.NODE_TEST_CONTEXT;
      return spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl'), ...args], { env, encoding: 'utf8', timeout: 60_000 });
    };
    assert.equal(deployctl('login', '--server', login[1] as string, '--token', token).status, 0);
    const run = deployctl('run', 'hello', '--follow');
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /Hello from darwin, building version 1\.0\.\d+/);
  } finally {
    await server.stop();
  }
});
