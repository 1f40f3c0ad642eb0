import { createColors } from 'picocolors';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import type { NewProject } from './api-calls.js';
import { createProject, listProjects } from './api-calls.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, parsePositiveInteger, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';

export interface CreateProjectFlags extends GlobalFlags {
  readonly repo: string;
  readonly pipeline?: string;
  readonly branch?: string;
  readonly maxConcurrentJobs?: string;
}

/** `deployctl projects create NAME --repo REPO`: the webhook secret is shown here only. */
export async function createProjectCommand(ctx: DeployctlContext, name: string, flags: CreateProjectFlags): Promise<number> {
  const project: NewProject = {
    name,
    repository: flags.repo,
    ...(flags.pipeline !== undefined && { pipelinePath: flags.pipeline }),
    ...(flags.branch !== undefined && { defaultBranch: flags.branch }),
    ...(flags.maxConcurrentJobs !== undefined && {
      maxConcurrentJobs: parsePositiveInteger('--max-concurrent-jobs', flags.maxConcurrentJobs),
    }),
  };
  const client = openClient(ctx, flags);
  const { value: created, raw } = await createProject(client, project);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  const c = createColors(ctx.color);
  ctx.stdout.write(
    [
      `created project ${c.bold(created.name)} (id ${created.id})`,
      `  repository           ${created.repository}`,
      `  pipeline             ${created.pipelinePath}`,
      `  default branch       ${created.defaultBranch}`,
      `  max concurrent jobs  ${created.maxConcurrentJobs ?? 'unlimited'}`,
      '',
      `webhook secret: ${created.webhookSecret}`,
      c.yellow('  shown only now: set it as the secret of the webhook in your Git host'),
      'webhook URLs:',
      `  github  ${created.webhookUrls.github}`,
      `  gitea   ${created.webhookUrls.gitea}`,
      `  gitlab  ${created.webhookUrls.gitlab}`,
    ].join('\n') + '\n',
  );
  return EXIT.success;
}

/** `deployctl projects list` */
export async function listProjectsCommand(ctx: DeployctlContext, flags: GlobalFlags): Promise<number> {
  const { value, raw } = await listProjects(openClient(ctx, flags));
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.projects.length === 0) {
    ctx.stdout.write('no projects yet (create one with `deployctl projects create NAME --repo REPO`)\n');
    return EXIT.success;
  }
  const rows = value.projects.map((project) => [
    project.name,
    String(project.id),
    project.defaultBranch,
    project.pipelinePath,
    project.maxConcurrentJobs == null ? '-' : String(project.maxConcurrentJobs),
    formatTime(project.createdAt),
    project.repository,
  ]);
  ctx.stdout.write(formatTable(['NAME', 'ID', 'BRANCH', 'PIPELINE', 'MAX JOBS', 'CREATED', 'REPOSITORY'], rows));
  return EXIT.success;
}
