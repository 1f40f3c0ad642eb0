import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LogBatch } from '../../../src/protocol/index.js';
import { waitFor } from './support/protocol-stub.js';
import { assignmentOf, createRepository, withRunner } from './support/runner-fixture.js';

const READ_FILE = `
  jobs:
    build:
      outputs: { greeting: '\${{ steps.read.outputs.text }}' }
      steps:
        - id: read
          run: |
            cat file.txt
            echo "text=$(cat file.txt)" >> "$DEPLOYLITE_OUTPUT"
`;

test('an assigned job runs in a checkout of exactly its commit, and its logs and outputs reach the server', () =>
  withRunner(async ({ stub, dir, workRoot, startAgent }) => {
    const repo = await createRepository(dir, { 'file.txt': 'hello from the commit\n' });
    await writeFile(join(repo.path, 'file.txt'), 'a later commit\n');
    execFileSync('git', ['-C', repo.path, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'later']);
    startAgent();
    const lease = stub.assign(assignmentOf(READ_FILE, { checkout: { repository: repo.path, sha: repo.sha } }));
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.deepEqual([result.status, result.outputs], ['success', { greeting: 'hello from the commit' }]);
    assert.ok(stub.logText(lease).includes('hello from the commit'));
    assert.equal(result.logLines, stub.logLines(lease).length);
    assert.deepEqual(await readdir(workRoot), []);
  }));

test('a commit that cannot be checked out fails the job with git’s reason', () =>
  withRunner(async ({ stub, dir, startAgent }) => {
    const repo = await createRepository(dir, { 'file.txt': 'content\n' });
    const sha = 'deadbeef'.repeat(5);
    startAgent();
    const lease = stub.assign(assignmentOf(READ_FILE, { checkout: { repository: repo.path, sha } }));
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', new RegExp(`^could not check out ${sha}: .*${sha}`));
    assert.ok(stub.logText(lease).some((line) => line.startsWith(`✖ could not check out ${sha}: `)));
  }));

test('an assignment whose job is not the one it names fails with a clear error', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const lease = stub.assign(assignmentOf(READ_FILE, { jobId: 'deploy', jobKey: 'deploy' }));
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.deepEqual([result.status, result.error], ['failed', 'the assignment\'s job is not "deploy" of deploylite.yml (is the runner older than the server?)']);
  }));

test('log batches carry consecutive offsets, and a batch resent after a 500 is not stored twice', () =>
  withRunner(async ({ stub, startAgent }) => {
    stub.failNext('logs', 500);
    startAgent({ maxBatchLines: 10 });
    const lease = stub.assign(assignmentOf(`jobs: { build: { steps: [{ run: seq 1 35 }] } }`));
    const result = await waitFor('the result', () => stub.results.get(lease));
    const stdout = stub.logLines(lease).filter((line) => line.stream === 'stdout');
    assert.deepEqual(
      stdout.map((line) => line.text),
      Array.from({ length: 35 }, (_, i) => String(i + 1)),
    );
    const [failed, ...stored] = stub.requestsOf('logs', lease).map((r) => r.body as LogBatch);
    assert.deepEqual(stored[0], failed);
    let held = 0;
    for (const batch of stored) {
      assert.equal(batch.offset, held);
      held += batch.lines.length;
    }
    assert.equal(result.logLines, held);
  }));

test('secrets in the mask never reach the server, in logs, outputs or errors', () =>
  withRunner(async ({ stub, startAgent, logger }) => {
    const secret = 'hunter2-s3cr3t-value';
    startAgent();
    const lease = stub.assign(
      assignmentOf(
        `
        jobs:
          build:
            outputs: { leaked: '\${{ steps.s.outputs.token }}' }
            steps:
              - id: s
                run: |
                  echo "plain: $SECRET"
                  printf '%s' "$SECRET" | base64
                  echo "token=$SECRET" >> "$DEPLOYLITE_OUTPUT"
                  echo "$SECRET" >&2
                  exit 3
        `,
        { env: { SECRET: secret }, mask: [secret] },
      ),
    );
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.deepEqual([result.status, result.outputs], ['failed', { leaked: '***' }]);
    assert.ok(stub.logText(lease).includes('plain: ***'));
    const base64 = Buffer.from(secret).toString('base64');
    for (const request of stub.requests) {
      assert.ok(!request.raw.includes(secret) && !request.raw.includes(base64), `a secret was sent to ${request.path}`);
    }
    assert.ok(!logger.text().includes(secret));
  }));

test('an assignment that breaks the protocol fails at once instead of waiting for its lease to expire', () =>
  withRunner(async ({ stub, startAgent }) => {
    startAgent();
    const broken = { ...assignmentOf(READ_FILE), job: undefined } as unknown as ReturnType<typeof assignmentOf>;
    const lease = stub.assign(broken);
    const result = await waitFor('the result', () => stub.results.get(lease));
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /^the runner could not read the job assignment: job: /);
  }));
