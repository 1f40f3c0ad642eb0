import { Argument, Command, CommanderError, Option } from 'commander';
import { coerceError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import type { AuditFlags } from './audit-command.js';
import { AUDIT_STATUSES, auditCommand } from './audit-command.js';
import type { GlobalFlags } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import type { LoginFlags } from './login-command.js';
import { loginCommand } from './login-command.js';
import { logsCommand } from './logs-command.js';
import type { DownloadFlags } from './artifact-commands.js';
import { downloadArtifactCommand, listArtifactsCommand, verifyArtifactCommand } from './artifact-commands.js';
import type { CleanupFlags } from './artifact-cleanup-command.js';
import { cleanupArtifactsCommand } from './artifact-cleanup-command.js';
import { listMembersCommand, PROJECT_ROLES, removeMemberCommand, setMemberCommand } from './member-commands.js';
import type { CreateProjectFlags } from './project-commands.js';
import { createProjectCommand, listProjectsCommand } from './project-commands.js';
import { reportError } from './report-error.js';
import type { RetryFlags } from './run-control-commands.js';
import { cancelCommand, retryCommand } from './run-control-commands.js';
import type { RunFlags } from './run-command.js';
import { runCommand } from './run-command.js';
import { listRunnersCommand } from './runner-commands.js';
import type { SecretScopeFlags } from './secret-commands.js';
import { deleteSecretCommand, listSecretsCommand, setSecretCommand } from './secret-commands.js';
import type { PasswordFlags } from './session-commands.js';
import { changePasswordCommand, logoutCommand, whoamiCommand } from './session-commands.js';
import { statusCommand } from './status-command.js';
import type { CreateTokenFlags, ListTokensFlags } from './token-commands.js';
import { createTokenCommand, listTokensCommand, revokeTokenCommand } from './token-commands.js';
import type { CreateUserFlags, SetPasswordFlags, UserChange } from './user-commands.js';
import { changeUserCommand, createUserCommand, listUsersCommand, setUserPasswordCommand } from './user-commands.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `deployctl` commands against a DeployLite server. Returns the process exit code: 0
 * success, 1 failure (a run that failed, an unreachable server, a rejected token), 2 usage
 * (bad arguments, or the server said 400/404/409), 130 cancelled run or Ctrl-C.
 */
export async function runDeployctl(ctx: DeployctlContext, argv: readonly string[], version: string): Promise<number> {
  let exitCode: number = EXIT.success;
  const program = new Command('deployctl')
    .description('deployctl: drive a DeployLite server — projects, runs, logs, artifacts, runners, users, members, secrets, tokens, audit')
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
    .description(
      'sign in with --user NAME (the password is asked for without echo, or read from stdin with --password-stdin), ' +
        'or check a --token; saves the login for later commands (file mode 0600)',
    )
    .option('--user <NAME>', 'sign in as this user; the session renews itself until it ends')
    .option('--password-stdin', 'read the password from stdin (one final newline is dropped)')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await loginCommand(ctx, flagsOf<LoginFlags>(command));
    });

  subcommand(program, 'logout')
    .description('end the saved session on the server and remove the saved login')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await logoutCommand(ctx, flagsOf(command));
    });

  subcommand(program, 'whoami')
    .description('show who you are signed in as: user, admin or not, and your project roles')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await whoamiCommand(ctx, flagsOf(command));
    });

  subcommand(program, 'password')
    .description('change your own password (asked without echo); every session of yours ends, the saved one signs in again')
    .option('--password-stdin', 'read the current and the new password from stdin, one a line')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await changePasswordCommand(ctx, flagsOf<PasswordFlags>(command));
    });

  const projects = subcommand(program, 'projects').description('create and list projects');
  subcommand(projects, 'create')
    .description('create a project; prints its webhook secret once')
    .argument('<name>', 'project name: lowercase letters, digits and -')
    .requiredOption('--repo <REPO>', 'Git repository: URL or path on the server')
    .option('--pipeline <PATH>', 'pipeline file in the repository, or the folder .github/workflows/ (server default: .deploylite.yml)')
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
    .option('--input <NAME=VALUE>', 'a GitHub workflow\'s workflow_dispatch input (repeatable)', collect, [])
    .option('--workflow <FILE>', 'which workflow of a .github/workflows/ project to run (file name or path)')
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

  const artifacts = subcommand(program, 'artifacts').description("list, download and verify a run's artifacts; clean up old ones");
  subcommand(artifacts, 'list')
    .description("list a run's artifacts: name, job, files, size, digest, expiry")
    .argument('<run>', 'run id')
    .action(async (runId: string, _options: unknown, command: Command) => {
      exitCode = await listArtifactsCommand(ctx, runId, flagsOf(command));
    });
  subcommand(artifacts, 'download')
    .description('download an artifact and unpack it (checked against its manifest and digest)')
    .argument('<run>', 'run id')
    .argument('<name>', 'artifact name')
    .option('--to <DIR>', 'unpack into DIR (default: ./NAME)')
    .option('--archive <FILE>', 'save the archive itself and FILE.sig, for cosign verify-blob')
    .action(async (runId: string, name: string, _options: unknown, command: Command) => {
      exitCode = await downloadArtifactCommand(ctx, runId, name, flagsOf<DownloadFlags>(command));
    });
  subcommand(artifacts, 'verify')
    .description("check an artifact and its SBOM against their digests and the project's signing key")
    .argument('<run>', 'run id')
    .argument('<name>', 'artifact name')
    .action(async (runId: string, name: string, _options: unknown, command: Command) => {
      exitCode = await verifyArtifactCommand(ctx, runId, name, flagsOf(command));
    });
  subcommand(artifacts, 'cleanup')
    .description('apply artifact retention now (admin): delete old, expired and idle artifacts and orphan blobs, and report')
    .option('--dry-run', 'only report what would be deleted and why')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await cleanupArtifactsCommand(ctx, flagsOf<CleanupFlags>(command));
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

  const users = subcommand(program, 'users').description('manage users (admins only)');
  subcommand(users, 'list')
    .description('list users')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await listUsersCommand(ctx, flagsOf(command));
    });
  subcommand(users, 'create')
    .description('create a user; the password is asked for twice without echo, or read from stdin')
    .argument('<name>', 'user name: lower-case letters, digits, ".", "_" and "-"')
    .option('--admin', 'make the user an admin')
    .option('--password-stdin', 'read the password from stdin (one final newline is dropped)')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await createUserCommand(ctx, name, flagsOf<CreateUserFlags>(command));
    });
  subcommand(users, 'set-password')
    .description("set a user's password; their sessions end")
    .argument('<name>', 'user name')
    .option('--password-stdin', 'read the password from stdin (one final newline is dropped)')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await setUserPasswordCommand(ctx, name, flagsOf<SetPasswordFlags>(command));
    });
  const userChanges: Record<UserChange, string> = {
    disable: 'disable a user: their sessions end and their tokens stop working',
    enable: 'enable a disabled user again',
    'make-admin': 'make a user an admin',
    'remove-admin': 'take admin rights away from a user',
  };
  for (const [action, description] of Object.entries(userChanges) as [UserChange, string][]) {
    subcommand(users, action)
      .description(description)
      .argument('<name>', 'user name')
      .action(async (name: string, _options: unknown, command: Command) => {
        exitCode = await changeUserCommand(ctx, name, action, flagsOf(command));
      });
  }

  const members = subcommand(program, 'members').description("manage a project's members and their roles");
  subcommand(members, 'list')
    .description('list the members of a project and their roles')
    .argument('<project>', 'project name or id')
    .action(async (project: string, _options: unknown, command: Command) => {
      exitCode = await listMembersCommand(ctx, project, flagsOf(command));
    });
  subcommand(members, 'set')
    .description("add a user to a project, or change their role (owners only)")
    .argument('<project>', 'project name or id')
    .argument('<user>', 'user name')
    .addArgument(new Argument('<role>', 'viewer < developer < maintainer < owner').choices(PROJECT_ROLES))
    .action(async (project: string, user: string, role: string, _options: unknown, command: Command) => {
      exitCode = await setMemberCommand(ctx, project, user, role, flagsOf(command));
    });
  subcommand(members, 'remove')
    .description('remove a user from a project (a project keeps at least one owner)')
    .argument('<project>', 'project name or id')
    .argument('<user>', 'user name')
    .action(async (project: string, user: string, _options: unknown, command: Command) => {
      exitCode = await removeMemberCommand(ctx, project, user, flagsOf(command));
    });

  const secrets = subcommand(program, 'secrets').description("manage a project's secrets (values go in, never come out)");
  subcommand(secrets, 'list')
    .description('list secret names, scopes and who changed them last (never values)')
    .argument('<project>', 'project name or id')
    .action(async (project: string, _options: unknown, command: Command) => {
      exitCode = await listSecretsCommand(ctx, project, flagsOf(command));
    });
  subcommand(secrets, 'set')
    .description('create or replace a secret; the value is read from stdin (one final newline dropped) or asked for without echo')
    .argument('<project>', 'project name or id')
    .argument('<name>', 'letters, digits and _ (stored upper-case)')
    .option('--environment <ENV>', 'only for deployments to this environment (default: project-wide)')
    .action(async (project: string, name: string, _options: unknown, command: Command) => {
      exitCode = await setSecretCommand(ctx, project, name, flagsOf<SecretScopeFlags>(command));
    });
  subcommand(secrets, 'delete')
    .description('delete a secret')
    .argument('<project>', 'project name or id')
    .argument('<name>', 'secret name')
    .option('--environment <ENV>', 'the environment-scoped one (default: the project-wide one)')
    .action(async (project: string, name: string, _options: unknown, command: Command) => {
      exitCode = await deleteSecretCommand(ctx, project, name, flagsOf<SecretScopeFlags>(command));
    });

  const tokens = subcommand(program, 'tokens').description('create, list and revoke tokens');
  subcommand(tokens, 'create')
    .description('create a token; prints it once')
    .argument('<name>', 'what the token is for')
    .addOption(new Option('--kind <KIND>', 'api, or runner-registration to register runners').choices(['api', 'runner-registration']).default('api'))
    .addOption(new Option('--registration', 'a runner registration token (same as --kind runner-registration)').conflicts('kind'))
    .option('--projects <NAMES>', 'API token: only these projects, comma-separated, or * for all of yours (server default: *)')
    .addOption(new Option('--role <ROLE>', 'API token: the highest role it uses (server default: owner)').choices(PROJECT_ROLES))
    .option('--admin', "API token: may use your admin rights (admins only)")
    .option('--expires-in <DURATION>', 'e.g. 30d, or never (server default: 90d, 7d for registration tokens)')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await createTokenCommand(ctx, name, flagsOf<CreateTokenFlags>(command));
    });
  subcommand(tokens, 'list')
    .description('list your tokens (never the tokens themselves)')
    .option('--all', "everyone's tokens (admins only)")
    .action(async (_options: unknown, command: Command) => {
      exitCode = await listTokensCommand(ctx, flagsOf<ListTokensFlags>(command));
    });
  subcommand(tokens, 'revoke')
    .description('revoke a token: it stops working at once')
    .argument('<id>', 'token id (see tokens list)')
    .action(async (id: string, _options: unknown, command: Command) => {
      exitCode = await revokeTokenCommand(ctx, id, flagsOf(command));
    });

  subcommand(program, 'audit')
    .description('query the audit log, newest first (admins only); --jsonl exports every match as JSON lines')
    .option('--actor <NAME>', 'who acted (user, token or runner name)')
    .option('--action <ACTION>', 'e.g. secret:write, session:login')
    .option('--resource <RESOURCE>', 'e.g. project:web; a trailing ":" matches every resource of that kind')
    .addOption(new Option('--status <STATUS>', 'the outcome').choices(AUDIT_STATUSES))
    .option('--since <WHEN>', 'ISO date or time (UTC unless given), or how long ago: 24h, 7d')
    .option('--until <WHEN>', 'as --since')
    .option('--before <ID>', 'entries older than this id (pages on from a previous answer)')
    .option('--limit <N>', 'at most this many entries (server default: 100, at most 1000)')
    .option('--jsonl', 'stream every matching entry as one JSON object a line')
    .action(async (_options: unknown, command: Command) => {
      exitCode = await auditCommand(ctx, flagsOf<AuditFlags>(command));
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
