import { Command, CommanderError, Option } from 'commander';
import { coerceError, DeployliteError } from '../core/index.js';
import { actionsAddCommand, actionsListCommand } from './actions-command.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-context.js';
import { graphCommand } from './graph-command.js';
import { logsCommand, runsCommand } from './history-commands.js';
import type { RunFlags } from './run-command.js';
import { resumeCommand, runCommand } from './run-command.js';
import { registerServiceCommands } from './service-commands.js';
import { validateCommand } from './validate-command.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `deploylite` commands. Returns the process exit code: 0 success, 1 run failed,
 * 2 invalid input (pipeline file or usage), 130 cancelled.
 */
export async function runCli(ctx: CliContext, argv: readonly string[], version: string): Promise<number> {
  let exitCode: number = EXIT.success;
  const program = new Command('deploylite')
    .description('DeployLite: pipelines as code, run locally or on a server')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .showSuggestionAfterError();

  const runOptions = (command: Command) =>
    command
      .option('--secret <NAME=VALUE>', 'a secret for ${{ secrets.NAME }}; masked in all output (repeatable)', collect, [])
      .option('--secrets-file <FILE>', 'secrets as NAME=VALUE lines (heredoc NAME<<EOF for multi-line values)')
      .option('--parallel <N>', 'job instances running at once (default 4)')
      .option('--report <FILE>', 'write a JSON report of the run')
      .addOption(new Option('--kill-grace <DURATION>', 'wait between SIGTERM and SIGKILL when stopping a step').default(undefined, '5s'))
      .addOption(new Option('--executor <NAME>', 'where steps run: local, sandbox (bubblewrap), docker or kubernetes').default(undefined, 'local'))
      .addOption(new Option('--sandbox-network <MODE>', 'sandbox executor: none cuts every job off from the network').default(undefined, 'host'));

  runOptions(
    program
      .command('run')
      .description('run a pipeline file locally')
      .argument('<file>', 'pipeline file')
      .option('--job <ID>', 'run only this job and the jobs it needs (repeatable)', collect, [])
      .option('--var <NAME=VALUE>', 'a value for ${{ vars.NAME }} (repeatable)', collect, [])
      .option('--event <NAME>', 'GitHub workflows: the event to imitate: push, pull_request or workflow_dispatch')
      .option('--input <NAME=VALUE>', 'GitHub workflows: a workflow_dispatch input (repeatable)', collect, [])
      .option('--actions-dir <DIR>', 'GitHub workflows: the local action store for uses: OWNER/REPO@REF (default: $DEPLOYLITE_ACTIONS_DIR or ~/.local/state/deploylite/actions)'),
  ).action(async (file: string, flags: RunFlags) => {
    exitCode = await runCommand(ctx, file, flags);
  });

  runOptions(
    program
      .command('resume')
      .description('continue the latest (or given) run after the CLI was killed; finished jobs are kept')
      .argument('[run-id]', 'run to continue (default: the latest)'),
  ).action(async (runId: string | undefined, flags: RunFlags) => {
    exitCode = await resumeCommand(ctx, runId, { ...flags, job: [], var: [] });
  });

  program
    .command('validate')
    .description('check pipeline files and print every problem as FILE:LINE:COL: message')
    .argument('<files...>', 'pipeline files')
    .option('--actions-dir <DIR>', 'GitHub workflows: the local action store for uses: OWNER/REPO@REF')
    .action(async (files: string[], flags: { actionsDir?: string }) => {
      exitCode = await validateCommand(ctx, files, flags.actionsDir);
    });

  const actions = program.command('actions').description('the local action store: actions GitHub workflows can use without network');
  actions
    .command('add')
    .description('copy a checkout of an action into the store, for uses: OWNER/REPO@REF (and OWNER/REPO/PATH@REF)')
    .argument('<action>', 'OWNER/REPO@REF')
    .requiredOption('--from <DIR>', 'the action checkout at that ref')
    .option('--actions-dir <DIR>', 'the store (default: $DEPLOYLITE_ACTIONS_DIR or ~/.local/state/deploylite/actions)')
    .action((name: string, flags: { from: string; actionsDir?: string }) => {
      exitCode = actionsAddCommand(ctx, name, flags);
    });
  actions
    .command('list')
    .description('list the stored actions')
    .option('--actions-dir <DIR>', 'the store (default: $DEPLOYLITE_ACTIONS_DIR or ~/.local/state/deploylite/actions)')
    .action((flags: { actionsDir?: string }) => {
      exitCode = actionsListCommand(ctx, flags);
    });

  program
    .command('graph')
    .description('print the job graph with the critical path marked')
    .argument('<file>', 'pipeline file')
    .option('--format <FORMAT>', 'text, dot, mermaid or json', 'text')
    .action(async (file: string, flags: { format: string }) => {
      exitCode = await graphCommand(ctx, file, flags.format);
    });

  program
    .command('runs')
    .description('list past local runs in this directory')
    .option('--limit <N>', 'how many', '20')
    .action(async (flags: { limit: string }) => {
      exitCode = await runsCommand(ctx, flags.limit);
    });

  program
    .command('logs')
    .description('print the stored log of a run')
    .argument('<run-id>', 'run id (see `deploylite runs`)')
    .option('--job <ID>', 'only this job')
    .action(async (runId: string, flags: { job?: string }) => {
      exitCode = await logsCommand(ctx, runId, flags.job);
    });

  registerServiceCommands(program, ctx, (code) => (exitCode = code));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return thrown.exitCode === 0 ? EXIT.success : EXIT.invalid;
    }
    const error = coerceError(thrown);
    if (error instanceof DeployliteError) {
      ctx.stderr.write(`deploylite: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}
