import type { ContainerCreateOptions } from 'dockerode';
import { isAbsolute } from 'node:path';
import type { JobRequest, ServiceRequest } from '../../engine/index.js';

/** Where the job's scratch directory (step scripts and command files) appears inside its container. */
export const SCRATCH_MOUNT = '/__deploylite';

/**
 * PID 1 of a job container: a shell that does nothing until it is told to stop, so that steps can be run in it one
 * by one with `exec`. It ignores nothing: SIGTERM ends it at once (docker stop), and a `kill -1` that a cancelled step
 * sends to every process of the container only ends its `sleep`, which the loop restarts (PID 1 itself is immune).
 */
const KEEP_ALIVE = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done";

export interface ResourceLimits {
  /** CPUs the job may use (fractions allowed). */
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Processes (and threads): what stops a fork bomb. */
  readonly pids: number;
}

export interface JobContainerSpec {
  readonly image: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly workspaceDir: string;
  readonly scratchDir: string;
  /** Host directories the runner made for the job (`JobRequest.hostDirs`), bind-mounted read-write at their own paths. */
  readonly hostDirs?: readonly string[];
  /** The run's network, or `none` for a job that must reach no network. */
  readonly network: string;
  /** `host:ip` pairs: the services, written into /etc/hosts so they resolve without the engine's DNS. */
  readonly extraHosts: readonly string[];
  readonly user?: string;
  readonly capAdd: readonly string[];
  readonly readOnlyRootfs: boolean;
  readonly limits: ResourceLimits;
}

/**
 * The job container: the image's own root file system, the workspace bind-mounted at the path it has on the host
 * (so `$DEPLOYLITE_WORKSPACE` and absolute paths in logs mean the same inside and out), the scratch directory at
 * `/__deploylite`, the directories the runner made for the job (`hostDirs`, at their own paths), and nothing else of
 * the host — never the engine's socket. All capabilities are dropped (only `capAdd` gives some back), setuid binaries
 * cannot raise privileges, and the limits are the kernel's (cgroups).
 */
export function jobContainerOptions(spec: JobContainerSpec): ContainerCreateOptions {
  return {
    name: spec.name,
    Image: spec.image,
    Entrypoint: ['/bin/sh', '-c', KEEP_ALIVE],
    Cmd: [],
    WorkingDir: spec.workspaceDir,
    Labels: spec.labels,
    ...(spec.user !== undefined ? { User: spec.user } : {}),
    HostConfig: {
      Binds: [
        `${spec.workspaceDir}:${spec.workspaceDir}:rw`,
        `${spec.scratchDir}:${SCRATCH_MOUNT}:rw`,
        ...(spec.hostDirs ?? []).map((dir) => `${dir}:${dir}:rw`),
      ],
      NetworkMode: spec.network,
      ...(spec.extraHosts.length > 0 ? { ExtraHosts: [...spec.extraHosts] } : {}),
      ...securityOptions(spec.capAdd, spec.limits),
      ReadonlyRootfs: spec.readOnlyRootfs,
      // A read-only root still needs a writable /tmp, and it must not outlive the container.
      ...(spec.readOnlyRootfs ? { Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=256m' } } : {}),
    },
  };
}

/**
 * The warm pool's key for a job's container, or undefined when it must not be pooled. A container is made with its
 * mounts and cannot change them: only a job with the same image, workspace, network and host directories may take it
 * over. A container with services has their addresses fixed in its /etc/hosts: only a job without services is pooled.
 */
export function warmPoolKey(job: JobRequest, image: string): string | undefined {
  if (!job.reuseContainer || (job.services ?? []).length > 0) return undefined;
  return [image, job.workspaceDir, job.network ?? 'net', ...(job.hostDirs ?? [])].join('\n');
}

/**
 * A bind of a host directory at its own path: it must be absolute and free of the `:` that separates a bind's fields.
 * The directories come from the runner, never the pipeline; this only stops a mistake from becoming a strange mount.
 */
export function hostDirProblem(dir: string): string | undefined {
  if (!isAbsolute(dir)) return `"${dir}" is not an absolute path`;
  if (dir.includes(':')) return `"${dir}" holds a ":"`;
  return undefined;
}

/**
 * Capabilities a service container gets back: the daemons people run as services (PostgreSQL, MySQL, Redis) start
 * as root, chown their data directory and switch to their own user. Nothing that reaches past the container.
 */
const SERVICE_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID'];

export function serviceContainerOptions(
  service: ServiceRequest,
  name: string,
  network: string,
  labels: Record<string, string>,
  limits: ResourceLimits,
): ContainerCreateOptions {
  return {
    name,
    Image: service.image,
    Hostname: service.name,
    Env: Object.entries(service.env).map(([key, value]) => `${key}=${value}`),
    Labels: labels,
    HostConfig: { NetworkMode: network, ...securityOptions(SERVICE_CAPABILITIES, limits) },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [service.name, ...service.aliases] } } },
  };
}

function securityOptions(capAdd: readonly string[], limits: ResourceLimits) {
  return {
    Privileged: false,
    CapDrop: ['ALL'],
    ...(capAdd.length > 0 ? { CapAdd: [...capAdd] } : {}),
    SecurityOpt: ['no-new-privileges'],
    NanoCpus: Math.round(limits.cpus * 1e9),
    Memory: limits.memoryBytes,
    // Equal to Memory: no swap on top, so a memory hog is stopped at the limit instead of thrashing the host.
    MemorySwap: limits.memoryBytes,
    PidsLimit: limits.pids,
  };
}
