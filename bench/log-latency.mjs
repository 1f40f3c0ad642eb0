// Log latency of the control plane, with a real `deploylite server --no-runner` and a real
// `deploylite runner` process (capacity 2) on loopback.
//
//   first line   POST /api/v1/projects/first/runs of a pipeline whose one job has one step,
//                `echo first-line`. Measured: from just before the POST to the arrival of
//                the step's line at a WebSocket subscriber of the job
//                (GET /api/v1/logs/<run>:hello/stream, Authorization header), which connects
//                as soon as the POST has answered and retries every 5 ms until the job
//                exists. Split, from the run's record and the line's own time stamp (the
//                runner's clock when the step wrote it): POST → answered (the run is stored;
//                the server fetched the repository), POST → job leased (startedAt),
//                run stored (createdAt, just before its job is queued) → line written,
//                leased → written on the runner (clone, checkout, compile, spawn), written
//                → seen by the subscriber (log shipping, store, WebSocket).
//      reference `bash -c 'echo first-line'` spawned by this process, spawn → line on the
//                pipe; and `deploylite run` of the same pipeline locally, spawn → its line
//                on stdout (CLI start-up included)
//   line → WS    a step printing `date +%s%N` every 20 ms, LINES times; a WebSocket
//                subscriber receives them; latency = arrival − the time stamp in the line
//                (both this machine's clock). Lines stamped before the subscriber was
//                connected are left out.
//      reference the same script through a plain pipe to this process
//
// Every round runs each side once, in rotating order; the first-line figure is the median
// of the rounds, the line figure the median of the rounds' p50/p99.
//
//   node bench/log-latency.mjs [--rounds 10] [--lines 200] [--db sqlite,postgres]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createProject, freshPostgres, sleep, startRunner, startServer, triggerRun, waitForRuns } from './lib/control-plane.mjs';
import { DEPLOYLITE_BIN, removeDir, scratchDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { formatMs, median } from './lib/stats.mjs';

const nowMs = () => performance.timeOrigin + performance.now();
const MARKER = 'first-line';
const FIRST_PIPELINE = `name: first\njobs:\n  hello:\n    steps:\n      - run: echo ${MARKER}\n`;

/** LINES lines of nanosecond time stamps, one every 20 ms, after a second for the subscriber to connect. */
export function streamScript(lines) {
  return `sleep 1; for i in $(seq 1 ${lines}); do date +%s%N; sleep 0.02; done`;
}

function streamPipeline(lines) {
  return `name: stream\njobs:\n  stream:\n    steps:\n      - run: "${streamScript(lines)}"\n`;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Subscribes to a job's live log; retries every 5 ms while the job does not exist yet.
 * Resolves with { connectedAt, ended } once connected; `ended` resolves at the `end` message.
 */
async function subscribe(serverUrl, token, jobId, onLine, timeoutMs = 30_000) {
  const url = `${serverUrl.replace(/^http/, 'ws')}/api/v1/logs/${encodeURIComponent(jobId)}/stream`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const attempt = await new Promise((resolveAttempt) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      ws.on('unexpected-response', (_request, response) => {
        response.resume();
        resolveAttempt({ status: response.statusCode });
      });
      ws.on('error', (error) => resolveAttempt({ error }));
      ws.on('open', () => {
        const connectedAt = nowMs();
        const ended = new Promise((resolveEnd, rejectEnd) => {
          ws.on('message', (data) => {
            const arrived = nowMs();
            const message = JSON.parse(String(data));
            if (message.type === 'line') onLine(message, arrived);
            else if (message.type === 'end') resolveEnd(message.status);
          });
          ws.on('close', () => rejectEnd(new Error(`the log stream of ${jobId} closed before its end`)));
        });
        ended.catch(() => undefined);
        resolveAttempt({ connectedAt, ended });
      });
    });
    if (attempt.connectedAt !== undefined) return attempt;
    if (attempt.status !== 404 || Date.now() > deadline) {
      throw new Error(`cannot subscribe to ${jobId}: ${attempt.error?.message ?? `HTTP ${attempt.status}`}`);
    }
    await sleep(5);
  }
}

/** Spawns `command args`, resolves with the arrival time of each stdout line, stamped by `nowMs`. */
function pipeLines(command, args, { cwd, onLine }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const arrived = nowMs();
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) onLine(line, arrived);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const killer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`));
      else resolvePromise();
    });
  });
}

async function benchDatabase(kind, { rounds, lines }) {
  const dir = scratchDir(`logs-${kind}`);
  const pgdb = kind === 'postgres' ? await freshPostgres('logs') : undefined;
  let server;
  let runner;
  let client;
  try {
    server = await startServer({ dataDir: join(dir, 'server'), dsn: pgdb?.dsn });
    client = createJsonClient(server.url);
    await createProject(client, server.token, { name: 'first', dir: join(dir, 'repo-first'), pipeline: FIRST_PIPELINE });
    await createProject(client, server.token, { name: 'stream', dir: join(dir, 'repo-stream'), pipeline: streamPipeline(lines) });
    const { token: registrationToken } = await client.json('POST', '/api/v1/tokens', server.token, { name: 'runner', kind: 'runner-registration' }, 201);
    runner = startRunner({ url: server.url, registrationToken, name: 'bench', capacity: 2, workDir: join(dir, 'runner') });
    for (let waited = 0; ; waited += 50) {
      const { runners } = await client.json('GET', '/api/v1/runners', server.token);
      if (runners.some((r) => r.online)) break;
      if (waited > 30_000) throw new Error(`the runner did not come online:\n${runner.output().slice(-2000)}`);
      await sleep(50);
    }
    const localDir = join(dir, 'local');
    mkdirSync(localDir);
    const localPipeline = join(localDir, 'first.yml');
    writeFileSync(localPipeline, FIRST_PIPELINE);

    const firstLine = async () => {
      const postAt = nowMs();
      const run = await triggerRun(client, server.token, 'first');
      const answeredAt = nowMs();
      let firstAny;
      let marker;
      const subscription = await subscribe(server.url, server.token, `${run.id}:hello`, (line, arrived) => {
        firstAny ??= arrived;
        if (line.stream === 'stdout' && line.text === MARKER) marker ??= { arrived, written: line.time };
      });
      await subscription.ended;
      const [finished] = await waitForRuns(client, server.token, [run.id], { everyMs: 20 });
      const job = finished.jobs[0];
      if (finished.status !== 'success' || !marker) throw new Error(`run ${run.id}: ${finished.status}, step line ${marker ? 'seen' : 'not seen'}`);
      return {
        markerMs: marker.arrived - postAt,
        anyLineMs: firstAny - postAt,
        answeredMs: answeredAt - postAt,
        leasedMs: job.startedAt - postAt,
        // The run is stored just before the engine queues its job: "queued → first log line on the runner".
        queuedToWrittenMs: marker.written - run.createdAt,
        writtenMs: marker.written - job.startedAt,
        shippedMs: marker.arrived - marker.written,
      };
    };

    const pipeFirst = async () => {
      const started = nowMs();
      let seen;
      await pipeLines('bash', ['--noprofile', '--norc', '-c', `echo ${MARKER}`], { onLine: (line, arrived) => (seen ??= line === MARKER ? arrived : undefined) });
      return { pipeMs: seen - started };
    };

    const localFirst = async () => {
      const started = nowMs();
      let seen;
      await pipeLines(process.execPath, [DEPLOYLITE_BIN, 'run', localPipeline], {
        cwd: localDir,
        onLine: (line, arrived) => (seen ??= line.endsWith(`] ${MARKER}`) ? arrived : undefined),
      });
      if (seen === undefined) throw new Error('deploylite run printed no step line');
      return { localMs: seen - started };
    };

    const streamLines = async () => {
      const run = await triggerRun(client, server.token, 'stream');
      const latencies = [];
      let connectedAt = Infinity;
      const subscription = await subscribe(server.url, server.token, `${run.id}:stream`, (line, arrived) => {
        if (line.stream !== 'stdout' || !/^\d{19}$/.test(line.text)) return;
        const stamped = Number(BigInt(line.text) / 1000n) / 1000;
        if (stamped >= connectedAt) latencies.push(arrived - stamped);
      });
      connectedAt = subscription.connectedAt;
      await subscription.ended;
      if (latencies.length < lines / 2) throw new Error(`only ${latencies.length} of ${lines} lines were measured`);
      latencies.sort((a, b) => a - b);
      return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1], count: latencies.length };
    };

    const pipeStream = async () => {
      const latencies = [];
      await pipeLines('bash', ['--noprofile', '--norc', '-c', streamScript(lines)], {
        onLine: (line, arrived) => {
          if (/^\d{19}$/.test(line)) latencies.push(arrived - Number(BigInt(line) / 1000n) / 1000);
        },
      });
      latencies.sort((a, b) => a - b);
      return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1], count: latencies.length };
    };

    // Warm-up, untimed: the server's mirror of the repository, the runner's first clone, the JIT.
    await firstLine();
    await localFirst();
    const sides = { firstLine, pipeFirst, localFirst, streamLines, pipeStream };
    const results = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
    const order = Object.keys(sides);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < order.length; i++) {
        const name = order[(round + i) % order.length];
        const figures = await sides[name]();
        results[name].push(figures);
        console.error(`log-latency: ${kind} round ${round + 1}/${rounds} ${name}: ${JSON.stringify(figures)}`);
      }
    }
    return results;
  } catch (error) {
    throw new Error(`${kind}: ${error.message}${server ? `\nserver output:\n${server.output().slice(-2000)}` : ''}${runner ? `\nrunner output:\n${runner.output().slice(-2000)}` : ''}`);
  } finally {
    client?.close();
    await runner?.stop();
    await server?.stop();
    await pgdb?.drop().catch(() => undefined);
    removeDir(dir);
  }
}

/** @param {{ rounds: number, lines: number, databases: string[] }} options */
export async function benchLogLatency(options) {
  const result = { ...options, figures: [] };
  for (const kind of options.databases) {
    const raw = await benchDatabase(kind, options);
    const pick = (side, key) => raw[side].map((r) => r[key]);
    result.figures.push({
      kind,
      firstLineMs: median(pick('firstLine', 'markerMs')),
      firstAnyLineMs: median(pick('firstLine', 'anyLineMs')),
      answeredMs: median(pick('firstLine', 'answeredMs')),
      leasedMs: median(pick('firstLine', 'leasedMs')),
      queuedToWrittenMs: median(pick('firstLine', 'queuedToWrittenMs')),
      writtenMs: median(pick('firstLine', 'writtenMs')),
      shippedMs: median(pick('firstLine', 'shippedMs')),
      pipeFirstMs: median(pick('pipeFirst', 'pipeMs')),
      localFirstMs: median(pick('localFirst', 'localMs')),
      lineP50Ms: median(pick('streamLines', 'p50Ms')),
      lineP99Ms: median(pick('streamLines', 'p99Ms')),
      lineP99WorstMs: Math.max(...pick('streamLines', 'p99Ms')),
      lineMaxMs: Math.max(...pick('streamLines', 'maxMs')),
      linesMeasured: pick('streamLines', 'count').reduce((a, b) => a + b, 0),
      pipeLineP50Ms: median(pick('pipeStream', 'p50Ms')),
      pipeLineP99Ms: median(pick('pipeStream', 'p99Ms')),
      raw,
    });
  }
  return result;
}

const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export function logLatencyRows(r) {
  const rows = [];
  for (const f of r.figures) {
    rows.push({
      benchmark: `logs: POST …/runs → the step's first line at a WebSocket subscriber (real runner, 1 job, 1 step \`echo\`), ${NAMES[f.kind]}`,
      figure:
        `p50 **${formatMs(f.firstLineMs)}** over ${r.rounds} runs: POST → answered ${formatMs(f.answeredMs)}, → job leased ${formatMs(f.leasedMs)}, ` +
        `leased → written on the runner ${formatMs(f.writtenMs)}, ` +
        `written → seen ${formatMs(f.shippedMs)}; run stored (≈ job queued) → line written on the runner ${formatMs(f.queuedToWrittenMs)}; ` +
        `first line of any kind (\`▶ echo …\`) ${formatMs(f.firstAnyLineMs)}`,
      reference: `bash through a pipe: ${formatMs(f.pipeFirstMs)}; \`deploylite run\` locally (CLI start-up included): ${formatMs(f.localFirstMs)}`,
      ratio: '',
      target: 'p50 < 100 ms',
      met: f.firstLineMs < 100,
    });
    rows.push({
      benchmark: `logs: a line (\`date +%s%N\` every 20 ms) → WebSocket subscriber, ${NAMES[f.kind]}`,
      figure: `p99 **${formatMs(f.lineP99Ms)}** (worst run ${formatMs(f.lineP99WorstMs)}), p50 ${formatMs(f.lineP50Ms)}, max ${formatMs(f.lineMaxMs)}; ${f.linesMeasured} lines`,
      reference: `the same script through a pipe: p99 ${formatMs(f.pipeLineP99Ms)}, p50 ${formatMs(f.pipeLineP50Ms)}`,
      ratio: '',
      target: 'p99 < 100 ms',
      met: f.lineP99Ms < 100,
    });
  }
  return rows;
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '10' },
      lines: { type: 'string', default: '200' },
      db: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const result = await benchLogLatency({
    rounds: Number(values.rounds),
    lines: Number(values.lines),
    databases: values.db.split(',').map((name) => name.trim()),
  });
  console.log(JSON.stringify(result, (key, value) => (key === 'raw' ? undefined : value), 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`log-latency: ${error.message}`);
    process.exit(1);
  });
}
