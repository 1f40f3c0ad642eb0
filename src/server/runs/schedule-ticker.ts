import type { Clock, Logger } from '../../core/index.js';
import { coerceError } from '../../core/index.js';
import type { ControlStore, ProjectRecord } from '../../store/index.js';
import { nextRunAfter } from '../triggers/index.js';
import { readProjectPipelines } from './project-pipelines.js';
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
      const found = await readProjectPipelines(this.mirrors, project.id, sha, project.pipelinePath);
      const pipelines = found.kind === 'found' ? found.files.flatMap((entry) => (entry.compiled.pipeline ? [entry.compiled.pipeline] : [])) : [];
      if (pipelines.length === 0) return;
      const now = this.clock.now();
      const crons = [...new Set(pipelines.flatMap((pipeline) => pipeline.triggers.schedule.map(({ cron }) => cron)))];
      await this.store.replaceSchedules(project.id, crons.map((cron) => ({ cron, nextAt: nextRunAfter(cron, now) })));
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
      // Every pipeline of the project whose `on.schedule` has this cron (a folder of workflows may hold several).
      const trigger = this.coordinator.triggerAll(project, {
        trigger: { kind: 'schedule', event: due.cron, actor: 'schedule' },
        context: { event: 'schedule', schedule: due.cron },
        accept: (pipeline) => pipeline.triggers.schedule.some(({ cron }) => cron === due.cron),
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
