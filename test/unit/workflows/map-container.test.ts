import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobSpec } from '../../../src/pipeline/index.js';
import { compileWorkflow } from '../../../src/workflows/index.js';
import { goDurationMs, splitOptions } from '../../../src/workflows/map-container.js';
import { dedent } from '../../support/dedent.js';

const FILE = '.github/workflows/ci.yml';

async function compileJob(yaml: string): Promise<JobSpec> {
  const result = await compileWorkflow(dedent(yaml), FILE);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  const job = result.pipeline?.jobs[0];
  assert.ok(job);
  return job;
}

/** Diagnostics as `LINE:COL severity message`. */
async function diagnostics(yaml: string): Promise<string[]> {
  const result = await compileWorkflow(dedent(yaml), FILE);
  return result.diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.message}`);
}

test('container: an image name is the job image', async () => {
  const job = await compileJob(`
    on: push
    jobs:
      build: { runs-on: ubuntu-latest, container: 'node:20-alpine', steps: [{ run: node -v }] }
  `);
  assert.equal(job.image, 'node:20-alpine');
});

test("container: env is set below the job's env, which wins, as docker exec -e wins on GitHub", async () => {
  const job = await compileJob(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        env: { LEVEL: job }
        container:
          image: node:20
          env: { LEVEL: container, NODE_ENV: test, SHA: '\${{ github.sha }}' }
          ports: [80]
        steps: [{ run: env }]
  `);
  assert.equal(job.image, 'node:20');
  assert.deepEqual(job.env, { NODE_ENV: 'test', SHA: '${{ github.sha }}', LEVEL: 'job', GITHUB_JOB: 'build' });
});

test('services: the key is the host name; --health-* options are the health check', async () => {
  const job = await compileJob(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        container: node:20
        services:
          db:
            image: postgres:16
            env: { POSTGRES_PASSWORD: test }
            ports: ['5432:5432']
            options: >-
              --health-cmd "pg_isready -U postgres"
              --health-interval=10s --health-timeout 1m30s
              --health-retries 5
          cache: redis:7
        steps: [{ run: echo }]
  `);
  assert.deepEqual(job.services, [
    {
      name: 'db',
      image: 'postgres:16',
      env: { POSTGRES_PASSWORD: 'test' },
      aliases: [],
      healthCheck: { command: 'pg_isready -U postgres', intervalMs: 10_000, timeoutMs: 90_000, retries: 5 },
    },
    { name: 'cache', image: 'redis:7', env: {}, aliases: [] },
  ]);
});

test('container ports and credentials are warnings: they change nothing the steps see', async () => {
  const found = await diagnostics(`
    on: push
    jobs:
      build:
        runs-on: ubuntu-latest
        container:
          image: images.example.com/acme/build:1
          credentials: { username: me, password: '\${{ secrets.TOKEN }}' }
          ports: [8080]
        steps: [{ run: echo }]
  `);
  assert.deepEqual(found, [
    "7:7 warning jobs.build.container.credentials: DeployLite does not log in to registries; the image must be on the container engine or pullable without a login",
    '8:7 warning jobs.build.container.ports: nothing is published on the host; the steps run inside the container and reach services by name',
  ]);
});

test('what would change the container or the address of a service is an error at its line', async () => {
  const found = await diagnostics(`
    on: push
    jobs:
      host:
        runs-on: ubuntu-latest
        services:
          db: { image: postgres, ports: ['5432:5432'] }
        steps: [{ run: echo }]
      boxed:
        runs-on: ubuntu-latest
        container:
          image: '\${{ matrix.image }}'
          volumes: ['/data:/data']
          options: --cpus 1
        services:
          my_db: postgres
          redis: { image: redis, options: --health-cmd "redis-cli ping" --entrypoint sh }
          pg: { image: postgres, env: { PW: '\${{ secrets.PW }}' }, options: --health-retries x --health-cmd true }
        steps: [{ run: echo }]
  `);
  assert.deepEqual(found.map((line) => line.replace(/ is not supported by DeployLite yet: /, ' | ')), [
    '6:30 error jobs.host.services.db.ports | steps on the runner\'s host would reach the service on localhost, which DeployLite does not publish; run the job in a container (jobs.<id>.container) and reach the service as "db"',
    '11:15 error an expression in jobs.boxed.container.image | write the image name out: the container is created before expressions are evaluated',
    '12:7 error jobs.boxed.container.volumes | job containers get the workspace only; put the files in the checkout',
    '13:7 error jobs.boxed.container.options | docker create options are not passed to the container engine',
    '15:7 error service name "my_db" | it is the service\'s host name on the run\'s network, so letters, digits and "-" only, not at either end',
    '16:39 error jobs.boxed.services.redis.options "--entrypoint" | only --health-cmd, --health-interval, --health-timeout and --health-retries are applied to services',
    '17:35 error an expression in jobs.boxed.services.pg.env | services start before expressions are evaluated; write the values out',
    '17:73 error jobs.boxed.services.pg.options: --health-retries wants a whole number, got "x"',
  ]);
});

test('service options split as a shell splits words; durations read as docker reads them', () => {
  assert.deepEqual(splitOptions(`--health-cmd 'pg_isready -U "me"' --x="a b" c\\ d ""`), ['--health-cmd', 'pg_isready -U "me"', '--x=a b', 'c d', '']);
  assert.equal(splitOptions('--health-cmd "open'), 'the quote " is not closed');
  assert.equal(goDurationMs('1m30s'), 90_000);
  assert.equal(goDurationMs('500ms'), 500);
  assert.equal(goDurationMs('10'), undefined);
});
