import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobSecrets } from '../../../src/pipeline/index.js';
import { compiled, diagnosticsOf } from './compile-support.js';

const secretsOf = (yaml: string) =>
  Object.fromEntries(
    compiled(yaml).jobs.map((job) => {
      const read = jobSecrets(job);
      return [job.id, read === 'all' ? 'all' : [...read].sort()];
    }),
  );

test('a job reads the secrets named in its steps, env, condition and rollback, upper-cased', () => {
  assert.deepEqual(
    secretsOf(`
      jobs:
        deploy:
          if: secrets.ENABLED != ''
          env: { A: '\${{ secrets.api_key }}' }
          steps:
            - run: deploy --token "\${{ secrets['DEPLOY_TOKEN'] }}"
              env: { B: "\${{ format('{0}', secrets.SIGNING_KEY) }}" }
          rollback:
            - run: undo "\${{ secrets.UNDO }}"
        lint:
          steps: [{ run: echo no secrets here }]
    `),
    { deploy: ['API_KEY', 'DEPLOY_TOKEN', 'ENABLED', 'SIGNING_KEY', 'UNDO'], lint: [] },
  );
});

test('reading the secrets context by a computed name or as a whole needs every secret', () => {
  assert.deepEqual(
    secretsOf(`
      jobs:
        dump:
          steps: [{ run: 'echo "\${{ toJSON(secrets) }}"' }]
        pick:
          matrix: { name: [A, B] }
          steps: [{ run: 'echo "\${{ secrets[matrix.name] }}"' }]
    `),
    { dump: 'all', pick: 'all' },
  );
});

test('a job names its environment; a name that cannot be a secret scope is an error', () => {
  assert.equal(compiled('jobs:\n  deploy:\n    environment: production\n    steps: [{ run: make }]\n').jobs[0]?.environment, 'production');
  assert.deepEqual(diagnosticsOf('jobs:\n  deploy:\n    environment: ../prod\n    steps: [{ run: make }]\n'), [
    'p.yml:3:18: environment "../prod" must be lower-case letters, digits and dashes (at most 63), starting with a letter or digit',
  ]);
});
