import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseDuration, UsageError } from '../core/index.js';
import type { ServerFlags } from '../cli/index.js';
import type { ExecutorName } from '../executors/index.js';
import { parseExecutorName, parseNetworkMode } from '../executors/index.js';
import { MIN_PASSWORD_LENGTH } from '../server/index.js';
import type { RetentionPolicy } from '../artifacts/index.js';
import { DEFAULT_RETENTION_POLICY } from '../artifacts/index.js';
import { parseBudget } from './local-cache.js';
import { BLOB_STORAGE_ENV, resolveBlobStorage, type BlobStorageSettings } from './blob-storage-config.js';

/** Everything `deploylite server` runs with, resolved once: defaults < config file < env < flags (handbook 1.4). */
export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL DSN, or undefined for SQLite in the data dir. */
  readonly databaseDsn?: string;
  readonly adminToken?: string;
  readonly adminPassword?: string;
  /** The current master key first, then previous ones (while rotating). */
  readonly masterKeys?: readonly string[];
  readonly jwtKey?: string;
  readonly publicUrl?: string;
  readonly leaseTtlMs: number;
  readonly onLeaseLost: 'requeue' | 'fail';
  readonly maxRequeues: number;
  readonly tickMs: number;
  readonly logLevel: string;
  /** Where artifacts and caches are kept: disk in `<dataDir>/blobs` by default, or S3. */
  readonly blobStorage: BlobStorageSettings;
  /** Each project's caches beyond it are evicted, least recently used first (caches.budget); default 10 GiB. */
  readonly cacheBudgetBytes?: number;
  /** artifacts.retention.*: versions kept per pipeline, idle limit and total size cap (docs/artifacts.md#retention). */
  readonly artifactRetention: RetentionPolicy;
  readonly runner: {
    readonly enabled: boolean;
    readonly capacity: number;
    readonly labels: readonly string[];
    readonly name: string;
    /** The built-in runner's executor (runner.executor, DEPLOYLITE_RUNNER_EXECUTOR); default local. */
    readonly executor: ExecutorName;
    /** runner.sandboxNetwork (DEPLOYLITE_SANDBOX_NETWORK): none cuts every sandboxed job off from the network. */
    readonly sandboxNetwork: 'host' | 'none';
  };
}

type Source = Record<string, unknown>;

const ENV: Record<string, string> = {
  DEPLOYLITE_HOST: 'host',
  DEPLOYLITE_PORT: 'port',
  DEPLOYLITE_DATA_DIR: 'dataDir',
  DEPLOYLITE_DB_DSN: 'database.dsn',
  DEPLOYLITE_ADMIN_TOKEN: 'adminToken',
  DEPLOYLITE_ADMIN_PASSWORD: 'adminPassword',
  DEPLOYLITE_MASTER_KEY: 'masterKey',
  DEPLOYLITE_MASTER_KEY_PREVIOUS: 'masterKeyPrevious',
  DEPLOYLITE_JWT_KEY: 'jwtKey',
  DEPLOYLITE_PUBLIC_URL: 'publicUrl',
  DEPLOYLITE_LEASE_TTL: 'lease.ttl',
  DEPLOYLITE_LEASE_ON_LOST: 'lease.onLost',
  DEPLOYLITE_LEASE_MAX_REQUEUES: 'lease.maxRequeues',
  DEPLOYLITE_TICK: 'tick',
  DEPLOYLITE_LOG_LEVEL: 'logLevel',
  DEPLOYLITE_CACHE_BUDGET: 'caches.budget',
  DEPLOYLITE_ARTIFACTS_KEEP_VERSIONS: 'artifacts.retention.keepVersions',
  DEPLOYLITE_ARTIFACTS_MAX_IDLE: 'artifacts.retention.maxIdle',
  DEPLOYLITE_ARTIFACTS_MAX_TOTAL_SIZE: 'artifacts.retention.maxTotalSize',
  ...BLOB_STORAGE_ENV,
  DEPLOYLITE_RUNNER: 'runner.enabled',
  DEPLOYLITE_RUNNER_CAPACITY: 'runner.capacity',
  DEPLOYLITE_RUNNER_LABELS: 'runner.labels',
  DEPLOYLITE_RUNNER_EXECUTOR: 'runner.executor',
  DEPLOYLITE_SANDBOX_NETWORK: 'runner.sandboxNetwork',
};

const KNOWN = new Set([...Object.values(ENV)]);

export function resolveServerSettings(flags: ServerFlags, env: NodeJS.ProcessEnv, cwd: string): ServerSettings {
  const values = new Map<string, unknown>();
  const configFile = flags.config ?? env.DEPLOYLITE_CONFIG;
  if (configFile) for (const [key, value] of Object.entries(readConfigFile(resolve(cwd, configFile)))) values.set(key, value);
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') values.set(key, env[name]);
  if (flags.host !== undefined) values.set('host', flags.host);
  if (flags.port !== undefined) values.set('port', flags.port);
  if (flags.dataDir !== undefined) values.set('dataDir', flags.dataDir);
  if (!flags.runner) values.set('runner.enabled', false);

  const read = new SettingReader(values);
  const dsn = read.string('database.dsn');
  if (dsn !== undefined && !/^postgres(ql)?:\/\//.test(dsn)) {
    throw new UsageError(`database.dsn (DEPLOYLITE_DB_DSN): expected postgres://…, got "${dsn.replace(/\/\/[^@]*@/, '//…@')}"`);
  }
  const adminPassword = read.string('adminPassword');
  if (adminPassword !== undefined && adminPassword.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`adminPassword (DEPLOYLITE_ADMIN_PASSWORD): use at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const masterKey = read.string('masterKey');
  const previousMasterKeys = read.list('masterKeyPrevious') ?? [];
  if (masterKey === undefined && previousMasterKeys.length > 0) throw new UsageError('masterKeyPrevious (DEPLOYLITE_MASTER_KEY_PREVIOUS) needs masterKey (DEPLOYLITE_MASTER_KEY)');
  const onLost = read.string('lease.onLost') ?? 'requeue';
  if (onLost !== 'requeue' && onLost !== 'fail') throw new UsageError(`lease.onLost: expected requeue or fail, got "${onLost}"`);
  const dataDir = resolve(cwd, read.string('dataDir') ?? join('.deploylite', 'server'));
  return {
    host: read.string('host') ?? '127.0.0.1',
    port: read.integer('port', 0, 65535) ?? 7391,
    dataDir,
    ...(dsn !== undefined ? { databaseDsn: dsn } : {}),
    ...optional('adminToken', read.string('adminToken')),
    ...optional('adminPassword', adminPassword),
    ...optional('masterKeys', masterKey === undefined ? undefined : [masterKey, ...previousMasterKeys]),
    ...optional('jwtKey', read.string('jwtKey')),
    ...optional('publicUrl', read.string('publicUrl')?.replace(/\/+$/, '')),
    leaseTtlMs: read.duration('lease.ttl') ?? 30_000,
    onLeaseLost: onLost,
    maxRequeues: read.integer('lease.maxRequeues', 0, 100) ?? 2,
    tickMs: read.duration('tick') ?? 1000,
    logLevel: read.string('logLevel') ?? 'info',
    blobStorage: resolveBlobStorage(read, dataDir, cwd),
    ...optional('cacheBudgetBytes', parseBudget(read.string('caches.budget'), 'caches.budget (DEPLOYLITE_CACHE_BUDGET)')),
    artifactRetention: resolveRetentionPolicy(read),
    runner: {
      enabled: read.boolean('runner.enabled') ?? true,
      capacity: read.integer('runner.capacity', 1, 256) ?? 2,
      labels: read.list('runner.labels') ?? ['self-hosted', 'linux', 'x64', 'builtin'],
      name: `builtin@${hostname()}`,
      executor: parseExecutorName(read.string('runner.executor'), 'runner.executor (DEPLOYLITE_RUNNER_EXECUTOR)'),
      sandboxNetwork: parseNetworkMode(read.string('runner.sandboxNetwork'), 'runner.sandboxNetwork (DEPLOYLITE_SANDBOX_NETWORK)'),
    },
  };
}

function resolveRetentionPolicy(read: SettingReader): RetentionPolicy {
  const maxTotalBytes = parseBudget(read.string('artifacts.retention.maxTotalSize'), 'artifacts.retention.maxTotalSize (DEPLOYLITE_ARTIFACTS_MAX_TOTAL_SIZE)');
  return {
    // At least 1: the newest version of each pipeline is always kept anyway (planRetention).
    keepVersions: read.integer('artifacts.retention.keepVersions', 1, 1_000_000) ?? DEFAULT_RETENTION_POLICY.keepVersions,
    maxIdleMs: read.duration('artifacts.retention.maxIdle') ?? DEFAULT_RETENTION_POLICY.maxIdleMs,
    ...optional('maxTotalBytes', maxTotalBytes),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A YAML file of nested keys (`lease: { ttl: 30s }`), flattened to dotted names. */
function readConfigFile(path: string): Source {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the config file ${path}`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (thrown) {
    throw new UsageError(`${path}: ${(thrown as Error).message.split('\n')[0]}`);
  }
  const flat: Source = {};
  const walk = (value: unknown, prefix: string) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && !KNOWN.has(prefix)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, prefix ? `${prefix}.${key}` : key);
    } else if (prefix) {
      if (!KNOWN.has(prefix)) throw new UsageError(`${path}: unknown setting "${prefix}" (known: ${[...KNOWN].sort().join(', ')})`);
      flat[prefix] = value;
    }
  };
  walk(document ?? {}, '');
  return flat;
}

class SettingReader {
  constructor(private readonly values: Map<string, unknown>) {}

  string(key: string): string | undefined {
    const value = this.values.get(key);
    return value === undefined || value === null ? undefined : String(value);
  }

  integer(key: string, min: number, max: number): number | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${key}: expected a whole number from ${min} to ${max}, got "${text}"`);
    return Number(text);
  }

  duration(key: string): number | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new UsageError(`${key}: expected a duration such as 30s or 500ms, got "${text}"`);
    return ms;
  }

  boolean(key: string): boolean | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (value === true || value === 'true' || value === '1') return true;
    if (value === false || value === 'false' || value === '0') return false;
    throw new UsageError(`${key}: expected true or false, got "${String(value)}"`);
  }

  list(key: string): string[] | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter(Boolean);
  }
}
