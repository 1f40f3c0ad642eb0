// Simulated runners for bench/scheduler.mjs, in their own process (forked with IPC), so the
// server's assignment rate is measured across a process boundary as with real runners.
// Each runner speaks the runner protocol (src/protocol/runner-protocol.ts) over HTTP and
// runs nothing: poll with every slot free → for each assigned job POST a success result at
// once → poll again. What is counted is assignments (jobs in poll answers), with the time
// each poll answer arrived.
//
// IPC, parent → child:  { type: 'register', url, registrationToken, runners, capacity }
//                       { type: 'go', expected }   poll until `expected` jobs were assigned
//                       { type: 'exit' }
// child → parent:       { type: 'registered' }
//                       { type: 'done', assignments, firstAt, lastAt, polls, emptyPolls, … }
//                       { type: 'error', message }
import { performance } from 'node:perf_hooks';
import { createJsonClient } from './http-json.mjs';

const RESULT = { status: 'success', attempts: 1, exitCode: 0, error: null, outputs: {}, rollbackStatus: null, logLines: 0 };
/** How long the server may hold a poll that finds nothing. */
const WAIT_MS = 1000;

const nowMs = () => performance.timeOrigin + performance.now();

/** @type {{ token: string, client: ReturnType<typeof createJsonClient> }[]} */
let runners = [];
let capacity = 1;

async function register(message) {
  capacity = message.capacity;
  runners = [];
  for (let i = 0; i < message.runners; i++) {
    // One keep-alive client per runner: each real runner has its own connections.
    const client = createJsonClient(message.url, { maxSockets: capacity + 1 });
    const body = { name: `sim-${i + 1}`, labels: [], capacity, version: 'bench' };
    const { token } = await client.json('POST', '/api/v1/runners/register', message.registrationToken, body, 201);
    runners.push({ token, client });
  }
  process.send({ type: 'registered' });
}

async function go(expected) {
  const cpuBefore = process.cpuUsage();
  const stats = { assignments: 0, firstAt: 0, lastAt: 0, polls: 0, emptyPolls: 0, pollMs: [], bytesPerAssignment: 0 };
  let bytes = 0;
  let finished = false;
  let resolveDone;
  const allAssigned = new Promise((resolve) => (resolveDone = resolve));

  const loop = async ({ token, client }) => {
    while (!finished) {
      const started = nowMs();
      const answer = await client.call('POST', '/api/v1/runner/poll', { token, body: { free: capacity, running: [], waitMs: WAIT_MS } });
      const arrived = nowMs();
      stats.polls++;
      const jobs = answer.body.jobs;
      if (jobs.length === 0) {
        // Only while jobs wait: every runner's last polls come back empty once the queue is dry.
        if (!finished) stats.emptyPolls++;
        continue;
      }
      stats.pollMs.push(arrived - started);
      bytes += answer.bytes;
      if (stats.assignments === 0) stats.firstAt = arrived;
      stats.lastAt = arrived;
      stats.assignments += jobs.length;
      await Promise.all(jobs.map((job) => client.call('POST', `/api/v1/runner/leases/${job.leaseId}/result`, { token, body: RESULT })));
      if (stats.assignments >= expected) {
        finished = true;
        resolveDone();
      }
    }
  };
  const loops = runners.map((runner) =>
    loop(runner).catch((error) => {
      finished = true;
      process.send({ type: 'error', message: error.message });
    }),
  );
  await Promise.race([allAssigned, Promise.all(loops)]);
  const cpu = process.cpuUsage(cpuBefore);
  // The other runners' long polls end within WAIT_MS. Only then is `done` sent, so that no
  // poll of this round can take a job the parent queues for the next one.
  await Promise.all(loops);
  stats.bytesPerAssignment = stats.assignments > 0 ? bytes / stats.assignments : 0;
  process.send({ type: 'done', ...stats, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
}

process.on('message', (message) => {
  const fail = (error) => process.send({ type: 'error', message: error.message });
  if (message.type === 'register') register(message).catch(fail);
  else if (message.type === 'go') go(message.expected).catch(fail);
  else if (message.type === 'exit') {
    for (const runner of runners) runner.client.close();
    process.disconnect();
  }
});
