import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CliResult } from '../support/cli.js';
import { assertNoStackTrace, REPO_ROOT, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer } from '../support/control-plane.js';

let server: ServerProcess;
let home: string;
before(async () => {
  server = await startServer();
  home = workdir();
});
after(async () => {
  await server.stop();
});

/** The real deployctl as a separate process, with its own config under a temporary HOME. */
function deployctl(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1', ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.DEPLOYLITE_SERVER;
  delete childEnv.DEPLOYLITE_TOKEN;
  delete childEnv.XDG_CONFIG_HOME;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl'), ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

test('login, create a project, run it with --follow: logs stream in and the exit code is the run status', async () => {
  const login = await deployctl(['login', '--server', server.url, '--token', server.token]);
  assert.equal(login.code, 0, login.stderr);
  assert.equal(statSync(join(home, '.config/deploylite/deployctl.json')).mode & 0o777, 0o600);

  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  hello:
    steps:
      - run: echo "hello from \${{ vars.who }}"
  sad:
    needs: hello
    steps: [{ run: exit 3 }]
`,
  });
  const created = await deployctl(['projects', 'create', 'cli', '--repo', repo.path]);
  assert.equal(created.code, 0, created.stderr);
  const run = await deployctl(['run', 'cli', '--var', 'who=deployctl', '--follow']);
  assertNoStackTrace(run);
  assert.match(run.stdout, /\[hello\] hello from deployctl/);
  assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
  assert.ok(!run.stdout.includes(server.token) && !run.stderr.includes(server.token), 'the token is never printed');
});

test('--json output is the API JSON, for scripts', async () => {
  const listed = await deployctl(['projects', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const parsed = JSON.parse(listed.stdout) as { projects: { name: string }[] };
  assert.ok(parsed.projects.some((p) => p.name === 'cli'));
});

test('a server error reaches the user as one line, with a usage exit code', async () => {
  const result = await deployctl(['run', 'no-such-project', '--wait']);
  assertNoStackTrace(result);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^deployctl: project "no-such-project" does not exist/m);
});
