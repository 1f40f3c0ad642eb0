// The pipeline language front end: YAML → validated Pipeline model → dependency graph.
// Pure: no I/O, no process.env.
export type { CompileResult } from './compile-pipeline.js';
export { compilePipeline } from './compile-pipeline.js';
export type { BuildGraphResult, PipelineGraph } from './build-graph.js';
export { buildGraph } from './build-graph.js';
export { criticalPath } from './critical-path.js';
export { BUILTIN_STEP_TYPES } from './read-step.js';
export type * from './model.js';
export type { JobDraft } from './default-job.js';
export { defaultJob } from './default-job.js';
export * from './expressions/index.js';
export * from './matrix.js';
export { PULL_REQUEST_TYPES } from './model.js';
export type { CompiledFilterPattern } from './filter-pattern.js';
export { compileFilterPattern, matchesFilterPatterns } from './filter-pattern.js';
export { jobSecrets } from './job-secrets.js';
