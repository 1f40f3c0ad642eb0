// The parent's side of bench/lib/simulated-runners.mjs: forks it and talks to it over IPC.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { REPO_ROOT } from './deploylite.mjs';

/** The simulated runners' process, driven by IPC messages (see simulated-runners.mjs). */
export function startSimulatedRunners() {
  const child = fork(join(REPO_ROOT, 'bench', 'lib', 'simulated-runners.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  let failure;
  child.on('message', (message) => {
    if (message.type === 'error') failure = new Error(`simulated runners: ${message.message}`);
    const waiter = waiting.shift();
    if (!waiter) return;
    if (failure) waiter.reject(failure);
    else waiter.resolve(message);
  });
  child.on('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`simulated runners exited with ${code}`));
  });
  const next = (timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulated runners: no answer within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({
        resolve: (message) => (clearTimeout(timer), resolve(message)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
  return {
    async request(message, timeoutMs = 300_000) {
      const answer = next(timeoutMs);
      child.send(message);
      return answer;
    },
    /** Sends `go`; the promise resolves with the `done` message. */
    go(expected, timeoutMs = 300_000) {
      return this.request({ type: 'go', expected }, timeoutMs);
    },
    close() {
      if (child.connected) child.send({ type: 'exit' });
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    },
  };
}

