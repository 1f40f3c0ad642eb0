import type { CacheStore } from '../../artifacts/index.js';
import type { Clock, Logger } from '../../core/index.js';
import type { ControlStore, ProjectRecord } from '../../store/index.js';
import type { ArtifactCleaner } from '../artifacts/artifact-cleaner.js';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { PrincipalResolver } from '../auth/resolve-principal.js';
import type { SessionService } from '../auth/sessions.js';
import type { LogHub } from '../logs/log-hub.js';
import type { ServerMetrics } from '../metrics.js';
import type { RunCoordinator } from '../runs/run-coordinator.js';
import type { RunEventHub } from '../runs/run-event-hub.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { SecretVault } from '../secrets/secret-vault.js';

/** What the HTTP layer calls; the routes hold no state of their own. */
export interface ApiServices {
  readonly store: ControlStore;
  readonly scheduler: Scheduler;
  readonly coordinator: RunCoordinator;
  readonly logs: LogHub;
  /** Live run states (GET /api/v1/runs/{id}/events). */
  readonly runEvents: RunEventHub;
  readonly metrics: ServerMetrics;
  readonly sessions: SessionService;
  readonly principals: PrincipalResolver;
  readonly vault: SecretVault;
  readonly audit: AuditTrail;
  /** Job artifacts: uploads from runners, listing and verified downloads. */
  readonly artifacts: ArtifactService;
  /** Artifact retention: the periodic cleanup and the admin's on-demand one (retention-routes.ts). */
  readonly artifactCleaner: ArtifactCleaner;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseTtlMs: number;
  /** Base URL users reach the server at (links in responses). */
  readonly publicUrl: () => string;
  /** The store is reachable and migrated. */
  readonly ready: () => Promise<boolean>;
  /** Caches for runners (cache-routes.ts); absent: the cache routes answer 404. */
  readonly caches?: CacheStore;
  /** A project was created: read its schedules. */
  readonly onProjectCreated: (project: ProjectRecord) => void;
}
