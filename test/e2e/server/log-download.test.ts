// `GET /api/v1/logs/{jobId}/text`: a job's whole log as a plain-text attachment, across the
// route's internal pages, with secrets masked as stored, for those who may read the run only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, login, PASSWORD } from '../support/callers.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

const SECRET = 'hunter2-download-secret';
const LINES = 12_000; // more than one internal page of 5,000

let server: ServerProcess;
let runId: number;
before(async () => {
  server = await startServer({ env: { DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } });
  const pipeline = `jobs:
  talk:
    steps:
      - run: |
          printf '\\033[31mred\\033[0m token=%s\\n' "\${{ secrets.TOKEN }}"
          seq 1 ${LINES}
`;
  await server.api('POST', '/api/v1/projects', { name: 'logs', repository: gitRepo({ '.deploylite.yml': pipeline }).path }, 201);
  await server.api('PUT', '/api/v1/projects/logs/secrets/TOKEN', { value: SECRET }, 200);
  runId = (await server.api<{ id: number }>('POST', '/api/v1/projects/logs/runs', {}, 201)).id;
  await waitForRun(server, runId, isFinal, 60_000);
});
after(async () => {
  await server?.stop();
});

test('the download is every stored line as text, colour codes kept and the secret masked', async () => {
  const reply = await call(server, 'GET', `/api/v1/logs/${runId}:talk/text`, { token: server.token });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(reply.headers['content-disposition'], `attachment; filename="run-${runId}-talk.log"`);
  const lines = reply.text.split('\n');
  const first = lines.indexOf('\u001b[31mred\u001b[0m token=***');
  assert.ok(first >= 0, `no masked colour line in ${JSON.stringify(lines.slice(0, 5))}`);
  const numbers = lines.slice(first + 1, first + 1 + LINES);
  assert.deepEqual(numbers, Array.from({ length: LINES }, (_, index) => String(index + 1)));
  assert.ok(!reply.text.includes(SECRET));
  assert.ok(reply.text.endsWith('\n'));
});

test('a job that does not exist, or an id that names no run, is refused with a clear error', async () => {
  const missing = await call(server, 'GET', `/api/v1/logs/${runId}:nope/text`, { token: server.token });
  assert.equal(missing.status, 404);
  assert.match(missing.json<{ error: { message: string } }>().error.message, new RegExp(`job ${runId}:nope does not exist`));
  const malformed = await call(server, 'GET', '/api/v1/logs/talk/text', { token: server.token });
  assert.equal(malformed.status, 404);
  assert.match(malformed.text, /job talk does not exist/);
});

test('only someone who may read the run gets its log', async () => {
  assert.equal((await call(server, 'GET', `/api/v1/logs/${runId}:talk/text`)).status, 401);
  await server.api('POST', '/api/v1/users', { username: 'outsider', password: PASSWORD }, 201);
  const outsider = await login(server, 'outsider', PASSWORD);
  const refused = await call(server, 'GET', `/api/v1/logs/${runId}:talk/text`, { token: outsider.accessToken });
  assert.ok([403, 404].includes(refused.status), `outsider got ${refused.status}`);
  assert.ok(!refused.text.includes('token='));
});
