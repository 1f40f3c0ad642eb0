import type { Command } from 'commander';
import { UsageError } from '../core/index.js';
import type { CliContext, MigrateFlags, RotateKeyFlags, RunnerFlags, ServerFlags } from './cli-context.js';

/** `deploylite server`, `runner`, `migrate` and `secrets rotate-key`: flags only; main/ runs them. */
export function registerServiceCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const services = () => {
    if (!ctx.services) throw new UsageError('this build of deploylite has no server');
    return ctx.services;
  };

  program
    .command('server')
    .description('run the control plane: API, scheduler, live logs, dashboard, and a built-in runner')
    .option('--config <FILE>', 'configuration file (YAML); env DEPLOYLITE_* and flags override it')
    .option('--port <PORT>', 'port to listen on (default 7391)')
    .option('--host <HOST>', 'address to listen on (default 127.0.0.1)')
    .option('--data-dir <DIR>', 'where the database, logs and repositories live (default ./.deploylite/server)')
    .option('--no-runner', 'do not start the built-in runner')
    .option('--example', 'register the example project "hello" (examples/hello.yml of the current Git checkout)')
    .action(async (flags: ServerFlags) => exit(await services().server(flags)));

  program
    .command('runner')
    .description('run jobs for a server: register, poll for work, stream logs, report results')
    .option('--server <URL>', 'the server (env DEPLOYLITE_SERVER)')
    .option('--token <TOKEN>', 'a runner-registration token, used once (env DEPLOYLITE_RUNNER_TOKEN)')
    .option('--labels <A,B>', 'labels jobs can ask for with runs-on (default self-hosted,linux,x64)')
    .option('--capacity <N>', 'jobs at once (default 2)')
    .option('--name <NAME>', 'shown in the runner list (default the host name)')
    .option('--work-dir <DIR>', 'job workspaces and the runner state file (default ./.deploylite/runner)')
    .option('--executor <NAME>', 'where jobs run: local (default), sandbox (bubblewrap), docker or kubernetes')
    .option('--sandbox-network <MODE>', 'sandbox executor: none cuts every job off from the network (default host)')
    .action(async (flags: RunnerFlags) => exit(await services().runner(flags)));

  program
    .command('migrate')
    .description('apply pending database migrations (the server also does at start)')
    .option('--config <FILE>', 'configuration file (YAML)')
    .option('--data-dir <DIR>', 'data directory of the SQLite database')
    .option('--status', 'only show applied and pending migrations', false)
    .action(async (flags: MigrateFlags) => exit(await services().migrate(flags)));

  program
    .command('secrets')
    .description("manage the server's secret encryption")
    .command('rotate-key')
    .description('make a new master key current: re-seal every secret under a new data key and re-wrap older data keys; servers keep running')
    .option('--config <FILE>', 'configuration file (YAML)')
    .option('--data-dir <DIR>', 'data directory (where master-keys lives)')
    .action(async (flags: RotateKeyFlags) => exit(await services().rotateKey(flags)));
}
