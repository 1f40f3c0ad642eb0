import type { Clock, Logger } from '../../core/index.js';
import { coerceError } from '../../core/index.js';
import { compilePipeline } from '../../pipeline/index.js';
import type { ControlStore, ProjectRecord } from '../../store/index.js';
import type { GitMirrors } from '../git/git-mirror.js';
import { nextRunAfter } from '../triggers/index.js';
import type { RunCoordinator } from './run-coordinator.js';

/**
 * Cron triggers (`on.schedule`). The schedules of a project come from its pipeline on the
 * default branch, read when the project is created, at start and periodically; each due
 * schedule is advanced with a conditional update before its run starts, so a schedule fires
 * once even with several server processes.
 */
export class ScheduleTicker {
  constructor(
    private readonly store: ControlStore,
    private readonly mirrors: GitMirrors,
    private readonly coordinator: RunCoordinator,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async syncProject(project: ProjectRecord): Promise<void> {
    try {
      const sha = await this.mirrors.resolve(project.id, project.repository, project.defaultBranch);
      const source = await this.mirrors.readFile(project.id, sha, project.pipelinePath);
      const pipeline = source === undefined ? undefined : compilePipeline(source, project.pipelinePath).pipeline;
      if (!pipeline) return;
      const now = this.clock.now();
      await this.store.replaceSchedules(project.id, pipeline.triggers.schedule.map(({ cron }) => ({ cron, nextAt: nextRunAfter(cron, now) })));
    } catch (thrown) {
      this.logger.warn('reading schedules failed', { project: project.name, error: coerceError(thrown).message });
    }
  }

  async syncAll(): Promise<void> {
    for (const project of await this.store.listProjects()) await this.syncProject(project);
  }

  async tick(): Promise<void> {
    const now = this.clock.now();
    for (const due of await this.store.dueSchedules(now)) {
      if (!(await this.store.advanceSchedule(due.projectId, due.cron, due.nextAt, nextRunAfter(due.cron, now)))) continue;
      const project = await this.store.getProject(due.projectId);
      if (!project) continue;
      await this.coordinator
        .trigger(project, { trigger: { kind: 'schedule', event: due.cron, actor: 'schedule' }, context: { event: 'schedule', schedule: due.cron } })
        .catch((thrown: unknown) => this.logger.warn('scheduled run failed to start', { project: project.name, error: coerceError(thrown).message }));
    }
  }
}
