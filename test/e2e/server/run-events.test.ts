// The live run stream (GET /api/v1/runs/{id}/events) against a real server and runner. The
// server's periodic tick is an hour long here, so its safety-net re-check never runs: every
// state change a test sees was pushed because the server noticed it, and the client never
// asked again.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { call, login, PASSWORD } from '../support/callers.js';
import { waitForFile, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, startServer } from '../support/control-plane.js';

interface RunEvent {
  readonly event: string;
  readonly run?: { id: number; status: string; jobs: { key: string; status: string }[] };
}

let server: ServerProcess;
before(async () => {
  server = await startServer({ env: { DEPLOYLITE_TICK: '1h', DEPLOYLITE_ADMIN_PASSWORD: PASSWORD } });
});
after(async () => {
  await server.stop();
});

/**
 * One open event stream: `next(until)` waits for the first event (old or new) that `until`
 * accepts, consuming those before it. The connection is the only request the client makes.
 */
async function openStream(runId: number, token = server.token) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const events: RunEvent[] = [];
  let buffer = '';
  let done = false;
  const pull = async (): Promise<void> => {
    const chunk = await reader.read();
    if (chunk.done) {
      done = true;
      return;
    }
    buffer += chunk.value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === 'run') events.push({ event, run: JSON.parse(data as string) as RunEvent['run'] });
      else if (event) events.push({ event });
    }
  };
  return {
    events,
    async next(until: (event: RunEvent) => boolean, timeoutMs = 15_000): Promise<RunEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(until);
        if (found) return found;
        if (done) throw new Error(`the stream ended without the event: ${JSON.stringify(events)}`);
        if (Date.now() > deadline) throw new Error(`no such event within ${timeoutMs} ms: ${JSON.stringify(events)}`);
        await Promise.race([pull(), new Promise((resolve) => setTimeout(resolve, deadline - Date.now()))]);
      }
    },
    async ended(): Promise<boolean> {
      while (!done) await pull();
      return events[events.length - 1]?.event === 'end';
    },
    close: () => controller.abort(),
  };
}

const status = (event: RunEvent, key: string) => event.run?.jobs.find((job) => job.key === key)?.status;

/** Two jobs in a row, each held at a gate file until the test opens it. */
async function gatedRun(project: string): Promise<{ id: number; gate: string }> {
  const gate = workdir();
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  first:
    steps:
      - run: while [ ! -e ${gate}/one ]; do sleep 0.05; done
  second:
    needs: first
    steps:
      - run: |
          echo started > ${gate}/second-started
          while [ ! -e ${gate}/two ]; do sleep 0.05; done
`,
  });
  await server.api('POST', '/api/v1/projects', { name: project, repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', `/api/v1/projects/${project}/runs`, {}, 201);
  return { id, gate };
}

test("a run's state changes are pushed as they happen, and the stream ends once the run is finished", async () => {
  const { id, gate } = await gatedRun('pushed');
  const stream = await openStream(id);
  const first = await stream.next((e) => e.event === 'run');
  assert.equal(first.run?.id, id);
  await stream.next((e) => status(e, 'first') === 'running');

  writeFileSync(`${gate}/one`, '');
  await stream.next((e) => status(e, 'first') === 'success' && status(e, 'second') === 'running');
  writeFileSync(`${gate}/two`, '');
  const last = await stream.next((e) => e.run?.status === 'success');
  assert.equal(status(last, 'second'), 'success');
  assert.equal(await stream.ended(), true, 'the stream ends with an end event');
  // Each event says something new: a state is never sent twice in a row.
  const bodies = stream.events.filter((e) => e.run).map((e) => JSON.stringify(e.run));
  assert.equal(new Set(bodies).size, bodies.length);
});

test('a client that reconnects gets the current state at once, then what changes after', async () => {
  const { id, gate } = await gatedRun('reconnect');
  const before = await openStream(id);
  await before.next((e) => status(e, 'first') === 'running');
  before.close();

  writeFileSync(`${gate}/one`, '');
  await waitForFile(`${gate}/second-started`);
  const again = await openStream(id);
  const current = await again.next((e) => e.event === 'run');
  assert.equal(status(current, 'first'), 'success', 'the first event is the state reached while disconnected');
  writeFileSync(`${gate}/two`, '');
  await again.next((e) => e.run?.status === 'success');
  assert.equal(await again.ended(), true);
});

test('a finished run is sent once, then the stream ends', async () => {
  const { id, gate } = await gatedRun('finished');
  writeFileSync(`${gate}/one`, '');
  writeFileSync(`${gate}/two`, '');
  const live = await openStream(id);
  await live.next((e) => e.run?.status === 'success');
  assert.equal(await live.ended(), true);
  const late = await openStream(id);
  assert.equal(await late.ended(), true);
  assert.deepEqual(
    late.events.map((e) => [e.event, e.run?.status]),
    [
      ['run', 'success'],
      ['end', undefined],
    ],
  );
});

test("someone who may not read the run's project is refused the stream, as is a caller without a credential", async () => {
  const { id, gate } = await gatedRun('private');
  await server.api('POST', '/api/v1/users', { username: 'outsider', password: PASSWORD }, 201);
  const outsider = await login(server, 'outsider', PASSWORD);
  const refused = await call(server, 'GET', `/api/v1/runs/${id}/events`, { token: outsider.accessToken });
  assert.equal(refused.status, 404, refused.text);
  assert.equal(refused.json<{ error: { code: string } }>().error.code, 'not-found');
  const anonymous = await call(server, 'GET', `/api/v1/runs/${id}/events`);
  assert.equal(anonymous.status, 401, anonymous.text);

  await server.api('PUT', '/api/v1/projects/private/members/outsider', { role: 'viewer' }, 200);
  const viewer = await openStream(id, outsider.accessToken);
  assert.equal((await viewer.next((e) => e.event === 'run')).run?.id, id, 'a viewer of the project may follow it');
  viewer.close();
  writeFileSync(`${gate}/one`, '');
  writeFileSync(`${gate}/two`, '');
});
