import { Command, CommanderError, Option } from 'commander';
import { coerceError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import type { GlobalFlags } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { loginCommand } from './login-command.js';
import { logsCommand } from './logs-command.js';
import type { CreateProjectFlags } from './project-commands.js';
import { createProjectCommand, listProjectsCommand } from './project-commands.js';
import { reportError } from './report-error.js';
import type { RetryFlags } from './run-control-commands.js';
import { cancelCommand, retryCommand } from './run-control-commands.js';
import type { RunFlags } from './run-command.js';
import { runCommand } from './run-command.js';
import { listRunnersCommand } from './runner-commands.js';
import { statusCommand } from './status-command.js';
import type { CreateTokenFlags } from './token-commands.js';
import { createTokenCommand, listTokensCommand } from './token-commands.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `deployctl` commands against a DeployLite server. Returns the process exit code: 0
 * success, 1 failure (a run that failed, an unreachable server, a rejected token), 2 usage
 * (bad arguments, or the server said 400/404/409), 130 cancelled run or Ctrl-C.
 */
export async function runDeployctl(ctx: DeployctlContext, argv: readonly string[], version: string): Promise<number> {
  let exitCode: number = EXIT.success;
  const program = new Command('deployctl')
    .description('deployctl: drive a DeployLite server — projects, runs, logs, runners, tokens')
    .version(version)
    .option('--server <URL>', 'server URL (default: $DEPLOYLITE_SERVER, then the saved login)')
    .option('--token <TOKEN>', 'API token (default: $DEPLOYLITE_TOKEN, then the saved login)')
    .option('--json', "print the API's JSON instead of text")
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .showSuggestionAfterError();

  // Global options may come before or after the subcommand; commander keeps them on the program.
  const flagsOf = <T>(command: Command) => command.optsWithGlobals<GlobalFlags & T>();
  const subcommand = (parent: Command, name: string) => parent.command(name).exitOverride().showSuggestionAfterError();

  subcommand(program, 'login')
    .description('check a token with the server and save both for later commands (file mode 0600)')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await loginCommand(ctx, flagsOf(command));
    });

  const projects = subcommand(program, 'projects').description('create and list projects');
  subcommand(projects, 'create')
    .description('create a project; prints its webhook secret once')
    .argument('<name>', 'project name: lowercase letters, digits and -')
    .requiredOption('--repo <REPO>', 'Git repository: URL or path on the server')
    .option('--pipeline <PATH>', 'pipeline file in the repository (server default: .deploylite.yml)')
    .option('--branch <BRANCH>', 'default branch (server default: main)')
    .option('--max-concurrent-jobs <N>', "job instances of this project running at once (default: unlimited)")
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await createProjectCommand(ctx, name, flagsOf<CreateProjectFlags>(command));
    });
  subcommand(projects, 'list')
    .description('list projects')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await listProjectsCommand(ctx, flagsOf(command));
    });

  subcommand(program, 'run')
    .description('start a run of a project; prints its id and URL')
    .argument('<project>', 'project name or id')
    .option('--ref <REF>', 'branch, tag or commit (default: the project\'s default branch)')
    .option('--var <NAME=VALUE>', 'a value for ${{ vars.NAME }} (repeatable)', collect, [])
    .option('--wait', 'wait for the run to end; exit 0 success, 1 failed, 130 cancelled')
    .option('--follow', 'print the log of every job as it runs (prefixed [job]), then exit as --wait')
    .action(async (project: string, _options: unknown, command: Command) => {
      exitCode = await runCommand(ctx, project, flagsOf<RunFlags>(command));
    });

  subcommand(program, 'status')
    .description('show a run and its jobs')
    .argument('<run>', 'run id')
    .action(async (runId: string, _options: unknown, command: Command) => {
      exitCode = await statusCommand(ctx, runId, flagsOf(command));
    });

  subcommand(program, 'logs')
    .description('print the log of a run (every job in order, or one); with --json one JSON line per log line')
    .argument('<run>', 'run id')
    .option('--job <KEY>', 'only this job (its key, or its id for every matrix instance)')
    .option('-f, --follow', 'keep printing new lines until the jobs end')
    .action(async (runId: string, _options: unknown, command: Command) => {
      exitCode = await logsCommand(ctx, runId, flagsOf(command));
    });

  subcommand(program, 'cancel')
    .description('cancel a run; its running jobs are stopped')
    .argument('<run>', 'run id')
    .action(async (runId: string, _options: unknown, command: Command) => {
      exitCode = await cancelCommand(ctx, runId, flagsOf(command));
    });

  subcommand(program, 'retry')
    .description('re-run the failed and cancelled jobs of a run (or one job) and the jobs that need them')
    .argument('<run>', 'run id')
    .option('--job <KEY>', 'only this job (and the jobs that need it)')
    .action(async (runId: string, _options: unknown, command: Command) => {
      exitCode = await retryCommand(ctx, runId, flagsOf<RetryFlags>(command));
    });

  const runners = subcommand(program, 'runners').description('list runners');
  subcommand(runners, 'list')
    .description('list runners with their labels, capacity and load')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await listRunnersCommand(ctx, flagsOf(command));
    });

  const tokens = subcommand(program, 'tokens').description('create and list tokens');
  subcommand(tokens, 'create')
    .description('create a token; prints it once')
    .argument('<name>', 'what the token is for')
    .addOption(new Option('--kind <KIND>', 'api, or runner-registration to register runners').choices(['api', 'runner-registration']).default('api'))
    .option('--expires-in <DURATION>', 'e.g. 30d (default: never)')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await createTokenCommand(ctx, name, flagsOf<CreateTokenFlags>(command));
    });
  subcommand(tokens, 'list')
    .description('list tokens (never the tokens themselves)')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await listTokensCommand(ctx, flagsOf(command));
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return thrown.exitCode === 0 ? EXIT.success : EXIT.invalid;
    }
    if (ctx.signal.aborted) return EXIT.cancelled;
    const error = coerceError(thrown);
    const code = reportError(ctx.stderr, error);
    if (code === undefined) throw error;
    return code;
  }
}
