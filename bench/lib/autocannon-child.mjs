// Runs autocannon (programmatic API) in its own process for bench/api-latency.mjs and prints
// one JSON line: autocannon's own latency percentiles, and the same from the raw response
// times of every answered request.
//
// Why both: with a rate (`-R`), autocannon 8–9 sends each connection's share of a second
// back to back, then waits for the next second (lib/httpClient.js), and "corrects" for
// coordinated omission with an expected interval of Math.ceil(1 / rate) = 1 ms: a response
// of N ms is recorded N times (N, N−1, …, 1 ms). Its p99 is the target's figure; the raw
// times show what requests actually took.
//
//   node bench/lib/autocannon-child.mjs '{"url": …, "connections": 10, "overallRate": 500, "duration": 10, "headers": {…}}'
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2]);
const times = [];
const instance = autocannon(options, (error, result) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  times.sort((a, b) => a - b);
  const at = (p) => (times.length === 0 ? Number.NaN : times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]);
  const summary = {
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    raw: { p50: at(50), p99: at(99), p999: at(99.9), max: times[times.length - 1] },
    answered: result.requests.total,
    seconds: result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
});
instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
