import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Clock, Logger } from '../core/index.js';
import { coerceError, systemClock } from '../core/index.js';
import type { ControlStore } from '../store/index.js';
import { createApi } from './api/create-api.js';
import type { ApiServices } from './api/services.js';
import type { AdminBootstrap } from './auth/bootstrap-admin.js';
import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { hashToken, newToken } from './auth/tokens.js';
import { GitMirrors } from './git/git-mirror.js';
import { LogHub } from './logs/log-hub.js';
import { attachLogWebSocket } from './logs/websocket-logs.js';
import { ServerMetrics } from './metrics.js';
import { RunCoordinator } from './runs/run-coordinator.js';
import { ScheduleTicker } from './runs/schedule-ticker.js';
import { Scheduler } from './scheduler/scheduler.js';
import { Wakeups } from './scheduler/wakeups.js';

export interface ControlPlaneConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly dataDir: string;
  /** DEPLOYLITE_ADMIN_TOKEN: registered as the admin credential when given. */
  readonly adminToken?: string;
  readonly leaseTtlMs: number;
  readonly onLeaseLost: 'requeue' | 'fail';
  readonly maxRequeues: number;
  /** How often lost leases and due schedules are looked for. */
  readonly tickMs: number;
  /** Base URL printed and used in links; defaults to http://host:port. */
  readonly publicUrl?: string;
}

export interface ControlPlane {
  readonly url: string;
  readonly admin: AdminBootstrap;
  readonly store: ControlStore;
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
  const admin = await bootstrapAdmin(store, clock, config.dataDir, config.adminToken);

  const workspaceDir = join(config.dataDir, 'server-workspace');
  mkdirSync(workspaceDir, { recursive: true });
  const mirrors = new GitMirrors(join(config.dataDir, 'repos'));
  const logs = new LogHub(store);
  const wakeups = new Wakeups();
  const metrics = new ServerMetrics({
    queueDepth: () => store.queueDepth(),
    runnersOnline: async () => (await store.listRunners()).filter((r) => r.lastSeenAt !== null && clock.now() - r.lastSeenAt < config.leaseTtlMs).length,
    jobsRunning: async () => [...(await store.countLeasedByRunner()).values()].reduce((a, b) => a + b, 0),
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
  const coordinator = new RunCoordinator({ store, scheduler, mirrors, logs, metrics, clock, logger: logger.child({ module: 'runs' }), workspaceDir });
  const schedules = new ScheduleTicker(store, mirrors, coordinator, clock, logger.child({ module: 'schedules' }));

  let url = '';
  const services: ApiServices = {
    store,
    scheduler,
    coordinator,
    logs,
    metrics,
    clock,
    logger: logger.child({ module: 'api' }),
    leaseTtlMs: config.leaseTtlMs,
    publicUrl: () => config.publicUrl ?? url,
    ready: async () => (await store.migrationStatus()).pending.length === 0,
    onProjectCreated: (project) => void schedules.syncProject(project),
  };
  const api = createApi(services);
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: api.fetch, hostname: config.host, port: config.port }, () => resolve(started as Server));
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const detachWebSocket = attachLogWebSocket(server, services, clock);

  await coordinator.recover();
  void schedules.syncAll();
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    Promise.all([scheduler.reapExpiredLeases(), schedules.tick()])
      .then(() => logs.refreshAll())
      .catch((thrown: unknown) => logger.error('periodic check failed', { error: coerceError(thrown).message }))
      .finally(() => (ticking = false));
  }, config.tickMs);
  timer.unref();

  return {
    url,
    admin,
    store,
    async createRegistrationToken(name) {
      const token = newToken('runner-registration');
      await store.createToken({ name, kind: 'runner-registration', tokenHash: hashToken(token), runnerId: null, createdAt: clock.now(), expiresAt: clock.now() + 60_000 });
      return token;
    },
    async stop() {
      clearInterval(timer);
      await coordinator.detach();
      detachWebSocket();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
