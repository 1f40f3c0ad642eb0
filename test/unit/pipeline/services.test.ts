import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compiled, diagnosticsOf } from './compile-support.js';

test('services are read with their image, env, aliases and health check; ports are accepted and ignored', () => {
  const pipeline = compiled(`
    jobs:
      test:
        image: node:20
        reuse-container: true
        services:
          db:
            image: postgres:16
            env: { POSTGRES_PASSWORD: test }
            aliases: [database]
            ports: ['5432']
            health-check: { command: pg_isready, interval: 2s, retries: 5 }
          cache: redis:7
        steps: [{ run: make test }]
  `);
  const job = pipeline.jobs.find((candidate) => candidate.id === 'test');
  assert.equal(job?.reuseContainer, true);
  assert.deepEqual(job?.services, [
    { name: 'db', image: 'postgres:16', env: { POSTGRES_PASSWORD: 'test' }, aliases: ['database'], healthCheck: { command: 'pg_isready', intervalMs: 2000, retries: 5 } },
    { name: 'cache', image: 'redis:7', env: {}, aliases: [] },
  ]);
});

test('a service without an image, with a bad name, or with an expression in its env is reported', () => {
  assert.deepEqual(
    diagnosticsOf(`
      jobs:
        test:
          services:
            db: { env: { A: b } }
            my_db: redis:7
            cache: { image: redis, env: { PASSWORD: '\${{ secrets.P }}' } }
          steps: [{ run: t }]
    `),
    [
      'p.yml:4:7: service "db" needs "image"',
      'p.yml:5:7: invalid service name "my_db": it is the service\'s host name, so letters, digits and "-" only, not at either end',
      'p.yml:6:47: service env "PASSWORD" cannot hold an expression: services start before expressions are evaluated',
    ],
  );
});
