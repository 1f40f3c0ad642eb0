export type { EngineEvent, EngineObserver } from './events.js';
export type { Executor, ExecutorSupport, JobRequest, JobWorkspace, ServiceRequest, StepCommand, StepIO, StepOutcome } from './executor.js';
export type { JobFiles, JobFilesJob, RestoredFiles } from './job-files.js';
export { combineJobFiles } from './job-files.js';
export { jobRequirementProblem } from './job-requirements.js';
export { parseCommandFile } from './command-file.js';
export { hashFiles } from './hash-files.js';
export type { DispatchedJob, JobDispatcher, RunContext, RunPipelineInput, RunResult } from './run-pipeline.js';
export type { JobInstance, JobOutcome, RunJobInput } from './run-job.js';
export { runJob } from './run-job.js';
export { runPipeline } from './run-pipeline.js';
export { retryDelay } from './retry-delay.js';
export type {
  JobRecord,
  JobStatus,
  LogLine,
  LogStream,
  NewRun,
  RunOptionsRecord,
  RunRecord,
  RunStatus,
  RunStore,
} from './run-store.js';
export { FINAL_JOB_STATUSES } from './run-store.js';
export { selectJobs } from './select-jobs.js';
