export { DEFAULT_RETENTION_POLICY, planRetention } from './retention-policy.js';
export type { RetainedArtifact, RetentionPlan, RetentionPolicy, RetentionReason } from './retention-policy.js';
export { sweepOrphanBlobs } from './orphan-sweep.js';
export type { OrphanSweepOptions, OrphanSweepReport } from './orphan-sweep.js';
