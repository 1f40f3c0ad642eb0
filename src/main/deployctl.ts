// Composition root of `deployctl`: the only place that reads the process's environment,
// installs signal handlers and picks the real `fetch`.
import { homedir } from 'node:os';
import { coerceError } from '../core/index.js';
import { createStdinInput, EXIT, resolveConfigPath, runDeployctl } from '../cli/deployctl/index.js';

const VERSION = '0.1.0';

async function main(): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    // The first Ctrl-C stops following/waiting and lets the command say so; the second quits.
    if (interrupts === 1) controller.abort();
    else process.exit(EXIT.cancelled);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `deployctl logs 42 | head`: the reader has all it wanted, which is no error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.success);
    throw error;
  });

  const env = process.env;
  return runDeployctl(
    {
      stdout: process.stdout,
      stderr: process.stderr,
      // A hidden prompt puts the terminal in raw mode, where Ctrl-C arrives as a key, not SIGINT.
      input: createStdinInput(process.stdin, process.stderr, onSignal),
      color: process.stdout.isTTY === true && !env.NO_COLOR,
      env: { server: env.DEPLOYLITE_SERVER, token: env.DEPLOYLITE_TOKEN },
      configPath: resolveConfigPath({
        DEPLOYCTL_CONFIG: env.DEPLOYCTL_CONFIG,
        XDG_CONFIG_HOME: env.XDG_CONFIG_HOME,
        home: env.HOME || homedir(),
      }),
      fetch: globalThis.fetch,
      signal: controller.signal,
    },
    process.argv.slice(2),
    VERSION,
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (thrown: unknown) => {
    // A bug, not a user error: a short message for the user, the stack only on request.
    const error = coerceError(thrown);
    process.stderr.write(`deployctl: internal error: ${error.message}\n`);
    if (process.env.DEPLOYLITE_DEBUG) process.stderr.write(`${error.stack ?? ''}\n`);
    process.exitCode = 1;
  },
);
