import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Clock, Logger } from '../core/index.js';
import { coerceError, DeployliteError, systemClock } from '../core/index.js';
import type { ControlStore } from '../store/index.js';
import { createApi } from './api/create-api.js';
import { loadDashboard } from './api/dashboard-files.js';
import { createRunSnapshotReader } from './api/run-event-routes.js';
import type { ApiServices } from './api/services.js';
import type { AdminBootstrap } from './auth/bootstrap-admin.js';
import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { createAccessTokenSigner } from './auth/access-tokens.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { PrincipalResolver } from './auth/resolve-principal.js';
import { readOrCreateSecretFile } from './auth/secret-file.js';
import { SessionService } from './auth/sessions.js';
import { hashToken, newToken } from './auth/tokens.js';
import { AuditTrail } from './audit/audit-trail.js';
import { RequestGuard } from './api/request-guard.js';
import { loadMasterKeys } from './secrets/master-keys.js';
import { SecretVault } from './secrets/secret-vault.js';
import { GitMirrors } from './git/git-mirror.js';
import { LogHub } from './logs/log-hub.js';
import { attachLogWebSocket } from './logs/websocket-logs.js';
import { ServerMetrics } from './metrics.js';
import { startPeriodicTask } from './periodic-task.js';
import { RunCoordinator } from './runs/run-coordinator.js';
import { RunEventHub } from './runs/run-event-hub.js';
import { ScheduleTicker } from './runs/schedule-ticker.js';
import { Scheduler } from './scheduler/scheduler.js';
import { Wakeups } from './scheduler/wakeups.js';
import { createServerCaches } from './caches/create-server-caches.js';
import { ArtifactCleaner, CLEANUP_INTERVAL_MS } from './artifacts/artifact-cleaner.js';
import { ArtifactService } from './artifacts/artifact-service.js';
import { DiskBlobStore, DiskRefStore, type BlobStore, type RefStore, type RetentionPolicy } from '../artifacts/index.js';

export interface ControlPlaneConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly dataDir: string;
  /** DEPLOYLITE_ADMIN_TOKEN: registered as the admin credential when given. */
  readonly adminToken?: string;
  /** DEPLOYLITE_ADMIN_PASSWORD: the admin user's first password. */
  readonly adminPassword?: string;
  /** DEPLOYLITE_MASTER_KEY (and _PREVIOUS while rotating): base64 master keys; else `<dataDir>/master-keys`. */
  readonly masterKeys?: readonly string[];
  /** DEPLOYLITE_JWT_KEY: base64 of at least 32 bytes, shared by replicas; else `<dataDir>/jwt-signing-key`. */
  readonly jwtKey?: string;
  readonly leaseTtlMs: number;
  readonly onLeaseLost: 'requeue' | 'fail';
  readonly maxRequeues: number;
  /** How often lost leases and due schedules are looked for. */
  readonly tickMs: number;
  /** Base URL printed and used in links; defaults to http://host:port. */
  readonly publicUrl?: string;
  /** The built dashboard (dist/web), served at `/`; without it (or when it was not built) only the API is served. */
  readonly webRoot?: string;
  /** Where artifacts (and caches) are kept; default: the disk store in `<dataDir>/blobs` (main/blob-storage-config.ts). */
  readonly blobStorage?: { readonly blobs: BlobStore; readonly refs: RefStore };
  /** DeployLite's version, recorded in SBOMs. */
  readonly version?: string;
  /** DEPLOYLITE_CACHE_BUDGET: each project's caches beyond it are evicted, least recently used first; default 10 GiB. */
  readonly cacheBudgetBytes?: number;
  /** artifacts.retention.*: versions kept, idle limit, size cap; default DEFAULT_RETENTION_POLICY (20 versions, 30 days, no cap). */
  readonly artifactRetention?: RetentionPolicy;
}

export interface ControlPlane {
  readonly url: string;
  readonly admin: AdminBootstrap;
  readonly store: ControlStore;
  /** The dashboard is served at `/`. */
  readonly dashboard: boolean;
  /** A one-off registration token for a runner started by the same process (the built-in runner). */
  createRegistrationToken(name: string): Promise<string>;
  /** Stops serving; runs are not cancelled and continue when a server starts again. */
  stop(): Promise<void>;
}

/**
 * Starts the control plane on an opened store: migrations, the admin credential, recovery of
 * runs that were running, the HTTP API with live logs, and the periodic lease and schedule
 * checks. A value, not a singleton: a test may start two.
 */
export async function startControlPlane(
  config: ControlPlaneConfig,
  store: ControlStore,
  options: { logger: Logger; clock?: Clock },
): Promise<ControlPlane> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  mkdirSync(config.dataDir, { recursive: true });
  const applied = await store.migrate();
  if (applied.length > 0) logger.info('migrations applied', { module: 'store', migrations: applied });
  const admin = await bootstrapAdmin(store, clock, config.dataDir, {
    ...(config.adminToken ? { token: config.adminToken } : {}),
    ...(config.adminPassword ? { password: config.adminPassword } : {}),
  });

  const workspaceDir = join(config.dataDir, 'server-workspace');
  mkdirSync(workspaceDir, { recursive: true });
  const mirrors = new GitMirrors(join(config.dataDir, 'repos'));
  const logs = new LogHub(store);
  const wakeups = new Wakeups();
  const metrics = new ServerMetrics({
    queueDepth: () => store.queueDepth(),
    runnersOnline: async () => (await store.listRunners()).filter((r) => r.lastSeenAt !== null && clock.now() - r.lastSeenAt < config.leaseTtlMs).length,
    jobsRunning: async () => [...(await store.countLeasedByRunner()).values()].reduce((a, b) => a + b, 0),
    // Read at scrape time (the cleaner is made below, before the server listens).
    artifactStorageBytes: () => artifactCleaner.storageBytes(),
  });
  const scheduler = new Scheduler({
    store,
    clock,
    logger: logger.child({ module: 'scheduler' }),
    metrics,
    logs,
    wakeups,
    leaseTtlMs: config.leaseTtlMs,
    onLeaseLost: config.onLeaseLost,
    maxRequeues: config.maxRequeues,
  });
  const vault = new SecretVault(store.secrets, loadMasterKeys(config.dataDir, config.masterKeys), clock);
  const blobRoot = join(config.dataDir, 'blobs');
  const blobStorage = config.blobStorage ?? { blobs: new DiskBlobStore({ root: blobRoot, clock }), refs: new DiskRefStore({ root: blobRoot }) };
  const artifacts = new ArtifactService({
    store,
    ...blobStorage,
    sealer: vault,
    stagingDir: join(config.dataDir, 'artifact-uploads'),
    toolVersion: config.version ?? 'unknown',
    clock,
    logger: logger.child({ module: 'artifacts' }),
  });
  const artifactCleaner = new ArtifactCleaner({
    store,
    ...blobStorage,
    ...(config.artifactRetention ? { policy: config.artifactRetention } : {}),
    clock,
    logger: logger.child({ module: 'artifacts' }),
  });
  let url = '';
  const runEvents = new RunEventHub(createRunSnapshotReader(store, () => config.publicUrl ?? url));
  const coordinator = new RunCoordinator({
    store,
    scheduler,
    mirrors,
    logs,
    metrics,
    clock,
    logger: logger.child({ module: 'runs' }),
    workspaceDir,
    secrets: vault,
    onRunChanged: (runId) => runEvents.runChanged(runId),
  });
  const sessions = new SessionService({
    identity: store.identity,
    signer: createAccessTokenSigner(jwtSigningKey(config)),
    throttle: new LoginThrottle(),
    clock,
    events: { loginFailed: (reason) => metrics.loginFailures.inc({ reason }), refreshReplayed: () => metrics.refreshReplays.inc() },
  });
  const principals = new PrincipalResolver(store, sessions, clock);
  const audit = new AuditTrail(store.audit, clock, logger.child({ module: 'audit' }));
  const guard = new RequestGuard(store, principals, metrics);
  const schedules = new ScheduleTicker(store, mirrors, coordinator, clock, logger.child({ module: 'schedules' }));

  const services: ApiServices = {
    store,
    scheduler,
    coordinator,
    logs,
    runEvents,
    metrics,
    sessions,
    principals,
    vault,
    audit,
    artifacts,
    artifactCleaner,
    clock,
    logger: logger.child({ module: 'api' }),
    leaseTtlMs: config.leaseTtlMs,
    publicUrl: () => config.publicUrl ?? url,
    ready: async () => (await store.migrationStatus()).pending.length === 0,
    // syncProject logs its own failures and never rejects.
    onProjectCreated: (project) => void schedules.syncProject(project),
    caches: createServerCaches({ store, dataDir: config.dataDir, clock, blobs: blobStorage.blobs, ...(config.cacheBudgetBytes !== undefined ? { budgetBytes: config.cacheBudgetBytes } : {}) }),
  };
  const dashboard = config.webRoot ? loadDashboard(config.webRoot) : undefined;
  if (config.webRoot && !dashboard) logger.warn('the dashboard is not built (npm run build): serving the API only', { module: 'api', webRoot: config.webRoot });
  const api = createApi(services, guard, dashboard ? { dashboard } : {});
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: api.fetch, hostname: config.host, port: config.port }, () => resolve(started as Server));
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const detachWebSocket = attachLogWebSocket(server, services, guard);

  await coordinator.recover();
  schedules.syncAll().catch((thrown: unknown) => logger.error('reading schedules failed', { module: 'schedules', error: coerceError(thrown).message }));
  // Separate tasks: a due schedule's trigger fetches from Git, which may take long; lost
  // leases must still be reaped (and live logs refreshed) meanwhile.
  const periodic = [
    startPeriodicTask('reaping lost leases', config.tickMs, async () => {
      await scheduler.reapExpiredLeases();
      logs.refreshAll();
      runEvents.refreshAll();
    }, logger.child({ module: 'scheduler' })),
    startPeriodicTask('starting scheduled runs', config.tickMs, () => schedules.tick(), logger.child({ module: 'schedules' })),
    // Hourly is plenty: an upload is only taken as abandoned after a day without a byte.
    startPeriodicTask('removing abandoned artifact uploads', 60 * 60 * 1000, async () => void (await artifacts.removeAbandonedUploads()), logger.child({ module: 'artifacts' })),
    // Retention (handbook 5.6): one server of several per hour, by a claim in the database.
    startPeriodicTask('cleaning up artifacts', CLEANUP_INTERVAL_MS, async () => void (await artifactCleaner.cleanIfDue()), logger.child({ module: 'artifacts' })),
  ];

  return {
    url,
    admin,
    store,
    dashboard: dashboard !== undefined,
    async createRegistrationToken(name) {
      const token = newToken('runner-registration');
      await store.createToken({ name, kind: 'runner-registration', tokenHash: hashToken(token), runnerId: null, createdAt: clock.now(), expiresAt: clock.now() + 60_000 });
      return token;
    },
    async stop() {
      for (const task of periodic) task.stop();
      await coordinator.detach();
      detachWebSocket();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The JWT signing key: configured (shared by replicas) or created once in the data dir. */
function jwtSigningKey(config: ControlPlaneConfig): Buffer {
  const text = config.jwtKey ?? readOrCreateSecretFile(join(config.dataDir, 'jwt-signing-key'), () => randomBytes(32).toString('base64')).value;
  const key = Buffer.from(text, 'base64');
  if (key.length < 32) throw new DeployliteError('config.invalid', `the JWT signing key must be at least 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), not ${key.length} bytes`);
  return key;
}
