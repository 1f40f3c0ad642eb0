import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { waitForFile, workdir } from '../support/cli.js';
import type { ServerProcess } from '../support/control-plane.js';
import { gitRepo, isFinal, startServer, waitForRun } from '../support/control-plane.js';

let server: ServerProcess;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

interface Message {
  type: 'line' | 'end';
  lineNo?: number;
  text?: string;
  status?: string;
}

/** Collects a job's WebSocket messages until `stopWhen` holds or the stream ends. */
function watch(jobId: string, after: number, stopWhen: (messages: Message[]) => boolean = () => false): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const messages: Message[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/logs/${encodeURIComponent(jobId)}/stream?after=${after}`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    ws.on('message', (data: Buffer) => {
      messages.push(JSON.parse(data.toString()) as Message);
      if (stopWhen(messages)) ws.close();
    });
    ws.on('close', () => resolve(messages));
    ws.on('error', reject);
  });
}

test('a WebSocket gets the lines as they are logged, resumes after a drop without repeats, and ends with the status', async () => {
  const gate = workdir();
  const repo = gitRepo({
    '.deploylite.yml': `jobs:
  talk:
    steps:
      - run: |
          for i in 1 2 3; do echo "line $i"; done
          echo ready > ${gate}/first
          while [ ! -e ${gate}/go ]; do sleep 0.05; done
          for i in 4 5 6; do echo "line $i"; done
`,
  });
  await server.api('POST', '/api/v1/projects', { name: 'live', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/live/runs', {}, 201);
  await waitForFile(`${gate}/first`);

  const first = await watch(`${id}:talk`, 0, (m) => m.some((x) => x.text === 'line 2'));
  const seen = first.filter((m) => m.type === 'line');
  assert.ok(seen.some((m) => m.text === 'line 2'), JSON.stringify(first));
  const last = seen[seen.length - 1]?.lineNo as number;

  const rest = watch(`${id}:talk`, last);
  writeFileSync(`${gate}/go`, '');
  const resumed = await rest;
  const texts = [...seen, ...resumed.filter((m) => m.type === 'line')].map((m) => m.text).filter((t) => t?.startsWith('line '));
  assert.deepEqual(texts, ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  assert.deepEqual(resumed[resumed.length - 1], { type: 'end', status: 'success' });
});

test('Server-Sent Events replay a finished job from an offset given as Last-Event-ID', async () => {
  const repo = gitRepo({ '.deploylite.yml': 'jobs:\n  count:\n    steps:\n      - run: for i in 1 2 3 4; do echo "n$i"; done\n' });
  await server.api('POST', '/api/v1/projects', { name: 'sse', repository: repo.path }, 201);
  const { id } = await server.api<{ id: number }>('POST', '/api/v1/projects/sse/runs', {}, 201);
  await waitForRun(server, id, isFinal);
  const all = await (await fetch(`${server.url}/api/v1/logs/${id}:count/events`, { headers: { authorization: `Bearer ${server.token}` } })).text();
  const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  const n2 = ids[[...all.matchAll(/^data: (.*)$/gm)].findIndex((m) => m[1]?.includes('"n2"'))] as number;
  const response = await fetch(`${server.url}/api/v1/logs/${id}:count/events`, { headers: { authorization: `Bearer ${server.token}`, 'last-event-id': String(n2) } });
  assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/event-stream');
  const resumed = await response.text();
  const texts = [...resumed.matchAll(/^data: (\{.*\})$/gm)].map((m) => (JSON.parse(m[1] as string) as { text?: string; status?: string }));
  assert.deepEqual(texts.map((t) => t.text ?? `end:${t.status}`).filter((t) => /^n\d|^end/.test(t)), ['n3', 'n4', 'end:success']);
});

/** The status a refused WebSocket upgrade gets, and its JSON error. */
function refusal(path: string, token?: string): Promise<{ status: number; error: { code: string; message: string; field?: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ...(JSON.parse(body) as { error: { code: string; message: string } }) }));
    });
    ws.on('open', () => reject(new Error(`the upgrade of ${path} was accepted`)));
    ws.on('error', () => undefined);
  });
}

test('a live log needs a token: the WebSocket upgrade is refused with 401', async () => {
  assert.equal((await refusal('/api/v1/logs/1:talk/stream')).status, 401);
});

test('a runner token is refused a live log with 403, as on the REST routes', async () => {
  const { token } = await server.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'reg-live', kind: 'runner-registration' }, 201);
  assert.deepEqual(await refusal('/api/v1/logs/1:talk/stream', token), { status: 403, error: { code: 'forbidden', message: 'runner tokens can only be used by runners' } });
});

test('a job id with broken percent-encoding is a 400 naming the job id', async () => {
  const { status, error } = await refusal('/api/v1/logs/1:%E0%A4%A/stream', server.token);
  assert.deepEqual([status, error.code, error.field], [400, 'invalid-request', 'jobId']);
});
