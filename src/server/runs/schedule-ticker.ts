import type { Clock, Logger } from '../../core/index.js';
import { coerceError } from '../../core/index.js';
import { compilePipeline } from '../../pipeline/index.js';
import type { ControlStore, ProjectRecord } from '../../store/index.js';
import { nextRunAfter } from '../triggers/index.js';
import type { PipelineSource, RunCoordinator } from './run-coordinator.js';

/**
 * Cron triggers (`on.schedule`). The schedules of a project come from its pipeline on the
 * default branch, read when the project is created, at server start, and by every run of
 * the default branch (RunCoordinator.trigger: a push, a manual or a scheduled run), so a
 * changed file takes effect at the latest after the next firing. Each due schedule is
 * advanced with a conditional update before its run starts, so a schedule fires once even
 * with several server processes.
 */
export class ScheduleTicker {
  constructor(
    private readonly store: ControlStore,
    private readonly mirrors: PipelineSource,
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

  /**
   * Starts the runs of every due schedule. Their triggers (each a Git fetch) run side by side,
   * so one slow repository does not hold back the others; the caller's timer waits for all.
   */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const starts: Promise<void>[] = [];
    for (const due of await this.store.dueSchedules(now)) {
      if (!(await this.store.advanceSchedule(due.projectId, due.cron, due.nextAt, nextRunAfter(due.cron, now)))) continue;
      const project = await this.store.getProject(due.projectId);
      if (!project) continue;
      const trigger = this.coordinator.trigger(project, {
        trigger: { kind: 'schedule', event: due.cron, actor: 'schedule' },
        context: { event: 'schedule', schedule: due.cron },
      });
      starts.push(
        trigger.then(
          () => undefined,
          (thrown: unknown) => this.logger.warn('scheduled run failed to start', { project: project.name, error: coerceError(thrown).message }),
        ),
      );
    }
    await Promise.all(starts);
  }
}
