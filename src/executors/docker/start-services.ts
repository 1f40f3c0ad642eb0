import type Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceRequest } from '../../engine/index.js';
import type { ResourceLimits } from './container-config.js';
import { serviceContainerOptions } from './container-config.js';
import { execOnce } from './run-exec.js';

export interface StartedServices {
  readonly containers: readonly Docker.Container[];
  /** `name:ip` for each service name and alias, for the job container's /etc/hosts. */
  readonly hosts: readonly string[];
}

export interface StartServicesInput {
  readonly services: readonly ServiceRequest[];
  readonly network: string;
  readonly namePrefix: string;
  readonly labels: Record<string, string>;
  readonly limits: ResourceLimits;
  /** Every container made is reported here at once, so the caller can remove it even when a later one fails. */
  readonly onCreated: (container: Docker.Container) => void;
}

const DEFAULT_HEALTH = { intervalMs: 1000, timeoutMs: 10_000, retries: 60 };

/**
 * Creates and starts the job's services on the run's network, in parallel, and waits until each is healthy: its
 * `health-check` command succeeds inside it (run by `exec`, not by the engine's HEALTHCHECK, which podman drives
 * from systemd timers that a runner host may not have), or, without one, it is running. Throws with the service's
 * name and its last health output when it does not become healthy.
 */
export async function startServices(docker: Docker, input: StartServicesInput): Promise<StartedServices> {
  const started = await Promise.all(input.services.map((service) => startService(docker, service, input)));
  return {
    containers: started.map((entry) => entry.container),
    hosts: started.flatMap(({ service, ip }) => (ip ? [service.name, ...service.aliases].map((host) => `${host}:${ip}`) : [])),
  };
}

async function startService(docker: Docker, service: ServiceRequest, input: StartServicesInput) {
  const options = serviceContainerOptions(service, `${input.namePrefix}-${service.name}`, input.network, input.labels, input.limits);
  let container: Docker.Container;
  try {
    container = await docker.createContainer(options);
  } catch (thrown) {
    throw new Error(`service "${service.name}": could not create a container from image "${service.image}": ${engineMessage(thrown)}`);
  }
  input.onCreated(container);
  await container.start();
  await waitHealthy(docker, container, service);
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[input.network]?.IPAddress ?? '';
  return { service, container, ip };
}

async function waitHealthy(docker: Docker, container: Docker.Container, service: ServiceRequest): Promise<void> {
  const check = service.healthCheck;
  const intervalMs = check?.intervalMs ?? DEFAULT_HEALTH.intervalMs;
  const retries = check?.retries ?? DEFAULT_HEALTH.retries;
  let last = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`service "${service.name}" exited with code ${state.ExitCode} before it became healthy${await logTail(container)}`);
    if (check === undefined) return;
    const result = await execOnce(docker, container, ['/bin/sh', '-c', check.command], check.timeoutMs ?? DEFAULT_HEALTH.timeoutMs);
    if (result.exitCode === 0) return;
    last = result.output.slice(-500);
    await sleep(intervalMs);
  }
  throw new Error(`service "${service.name}" did not become healthy after ${retries + 1} checks of "${check?.command ?? ''}"${last ? `: ${last}` : ''}`);
}

/** The engine's answer without dockerode's request dump (which can hold env values). */
export function engineMessage(thrown: unknown): string {
  const error = thrown as { json?: { message?: string }; reason?: string; message?: string };
  return error.json?.message ?? error.reason ?? error.message ?? String(thrown);
}

/** The last lines a service printed, for the error when it died: usually the reason. */
async function logTail(container: Docker.Container): Promise<string> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: 5, follow: false })) as Buffer;
    // Non-TTY logs come in 8-byte framed chunks; the frame headers are noise in a message.
    const text = stripFrames(raw).trim();
    return text ? `: ${text.slice(-500)}` : '';
  } catch {
    return '';
  }
}

function stripFrames(raw: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length && raw[offset]! <= 2 && raw[offset + 1] === 0) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return offset === 0 ? raw.toString('utf8') : parts.join('');
}
