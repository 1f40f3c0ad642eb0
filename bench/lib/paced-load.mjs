// An evenly paced load for bench/api-latency.mjs, beside autocannon: request i is due at
// start + i / rate, whatever happened to the ones before (an open loop), over at most
// `connections` keep-alive connections. Latency is measured from when the request was due,
// so a request that waited for a busy connection counts its wait (no coordinated omission).
// What a steady stream of `rate` requests per second sees, without autocannon's bursts.
//
//   node bench/lib/paced-load.mjs '{"url": …, "token": …, "rate": 500, "seconds": 10, "connections": 10}'
// prints one JSON line: { p50, p99, p999, max, answered, seconds, failed }.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';

const { url, token, rate, seconds, connections } = JSON.parse(process.argv[2]);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const headers = token ? { authorization: `Bearer ${token}` } : {};
const total = Math.round(rate * seconds);
const interval = 1000 / rate;
const latencies = [];
let failed = 0;
let settled = 0;

const send = (due) =>
  new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(performance.now() - due);
        else failed++;
        resolve();
      });
    });
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end();
  });

const start = performance.now() + 50;
const pending = [];
// Sleep until the next request is due, then send every request due by now. A timer fires up
// to a millisecond late; that lateness is counted in the latency (it errs on the slow side)
// rather than burning a core that the server needs to wait more precisely.
for (let i = 0; i < total; ) {
  const wait = start + i * interval - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const now = performance.now();
  for (; i < total && start + i * interval <= now; i++) pending.push(send(start + i * interval).then(() => settled++));
}
await Promise.all(pending);
const elapsed = (performance.now() - start) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p) => (latencies.length === 0 ? Number.NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]);
process.stdout.write(
  `${JSON.stringify({ p50: at(50), p99: at(99), p999: at(99.9), max: latencies[latencies.length - 1], answered: settled - failed, seconds: elapsed, failed })}\n`,
);
