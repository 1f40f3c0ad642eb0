import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when Prometheus scrapes. */
export interface MetricsSources {
  queueDepth(): Promise<number>;
  runnersOnline(): Promise<number>;
  jobsRunning(): Promise<number>;
  /** Stored bytes of committed artifacts (archives, SBOMs, signatures) per project; absent: no storage gauge. */
  artifactStorageBytes?(): Promise<readonly { readonly projectName: string; readonly bytes: number }[]>;
}

/** Projects with a series of their own in deploylite_artifact_storage_bytes; the rest are summed under `_other`. */
export const MAX_STORAGE_PROJECT_SERIES = 20;
/** Not a possible project name (names are lower-case letters, digits and dashes), so it cannot collide. */
export const OTHER_PROJECTS_LABEL = '_other';

/**
 * The server's Prometheus metrics, named as in the handbook (7.3, 4.10). One registry per
 * server value, so two servers in one test process never share counters.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly pipelineDuration = new Histogram({
    name: 'deploylite_pipeline_duration_seconds',
    help: 'Duration of finished pipeline runs, from start to finish.',
    labelNames: ['project', 'status'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly pipelineFailures = new Counter({
    name: 'deploylite_pipeline_failure_total',
    help: 'Pipeline runs that finished failed.',
    labelNames: ['project'] as const,
    registers: [this.registry],
  });
  /** The handbook's `deploylite_scheduler_latency_ms`, in seconds as Prometheus wants units (promtool rejects `_ms`). */
  readonly schedulerLatency = new Histogram({
    name: 'deploylite_scheduler_latency_seconds',
    help: 'Time from a job becoming ready (queued) to being assigned to a runner.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly leasesExpired = new Counter({
    name: 'deploylite_scheduler_lease_expired_total',
    help: 'Job leases lost because their runner stopped polling.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Handbook 9.9. Labelled by the permission, never by who asked (a user name would leak and explode cardinality). */
  readonly policyDenied = new Counter({
    name: 'deploylite_security_policy_denied_total',
    help: 'Requests refused by the permission table (403, or 404 for a project the caller is not a member of).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly loginFailures = new Counter({
    name: 'deploylite_security_login_failures_total',
    help: 'Failed logins: wrong user name or password, throttled, or a disabled account.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly refreshReplays = new Counter({
    name: 'deploylite_security_refresh_token_replays_total',
    help: 'Refresh tokens presented after they were rotated (their session was revoked).',
    registers: [this.registry],
  });
  /** Issue 6: how often a job's cache lookup found its exact key (hit), a restore key's entry (partial) or nothing. */
  readonly cacheRequests = new Counter({
    name: 'deploylite_cache_requests_total',
    help: 'Cache lookups by runners: hit (the exact key), partial (an entry under a restore key) or miss.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly unauthenticated = new Counter({
    name: 'deploylite_security_unauthenticated_total',
    help: 'Requests refused for a missing, unknown, expired or revoked credential (401).',
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    // Gauges read the store at scrape time, so every server process reports the truth of the
    // shared database rather than its own share of it.
    new Gauge({
      name: 'deploylite_queue_depth',
      help: 'Jobs waiting in the queue for a runner.',
      registers: [this.registry],
      async collect() {
        this.set(await sources.queueDepth());
      },
    });
    // The handbook calls these two `…_total` but lists them as gauges; Prometheus reserves the
    // suffix for counters (promtool rejects a gauge named so), so the suffix is dropped.
    new Gauge({
      name: 'deploylite_runner_active',
      help: 'Runners online now (polled within their lease time).',
      registers: [this.registry],
      async collect() {
        this.set(await sources.runnersOnline());
      },
    });
    new Gauge({
      name: 'deploylite_stage_parallel',
      help: 'Job instances running on runners now.',
      registers: [this.registry],
      async collect() {
        this.set(await sources.jobsRunning());
      },
    });
    const artifactStorage = sources.artifactStorageBytes;
    if (artifactStorage) {
      // Labelled by project, which an admin creates, but bounded all the same: the largest projects get
      // a series each and the rest one together, so a server with thousands of projects stays scrapeable.
      new Gauge({
        name: 'deploylite_artifact_storage_bytes',
        help: `Bytes of committed artifacts with their SBOMs and signatures, by project (the ${MAX_STORAGE_PROJECT_SERIES} largest; the rest as project="${OTHER_PROJECTS_LABEL}").`,
        labelNames: ['project'] as const,
        registers: [this.registry],
        async collect() {
          const usage = await artifactStorage();
          // Reset first: a project whose artifacts are all gone loses its series instead of keeping the last value.
          this.reset();
          const bySize = [...usage].sort((a, b) => b.bytes - a.bytes);
          for (const { projectName, bytes } of bySize.slice(0, MAX_STORAGE_PROJECT_SERIES)) this.set({ project: projectName }, bytes);
          const rest = bySize.slice(MAX_STORAGE_PROJECT_SERIES);
          if (rest.length > 0) this.set({ project: OTHER_PROJECTS_LABEL }, rest.reduce((total, { bytes }) => total + bytes, 0));
        },
      });
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
