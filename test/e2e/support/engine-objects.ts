// What the Docker executor left on the engine, asked of podman's own CLI (the same storage the test's
// `podman system service` serves): a second opinion that does not go through the code under test.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep } from './cli.js';

const run = promisify(execFile);

export interface EngineObjects {
  /** Container names. */
  readonly containers: string[];
  /** Network names. */
  readonly networks: string[];
}

/** Containers (running or not) and networks that carry every `key=value` label given. */
export async function labelledObjects(labels: readonly string[]): Promise<EngineObjects> {
  const filters = labels.flatMap((label) => ['--filter', `label=${label}`]);
  const [containers, networks] = await Promise.all([
    run('podman', ['--runtime', 'runc', 'ps', '-a', ...filters, '--format', '{{.Names}}']),
    run('podman', ['--runtime', 'runc', 'network', 'ls', ...filters, '--format', '{{.Name}}']),
  ]);
  const lines = (text: string) => text.split('\n').filter(Boolean).sort();
  return { containers: lines(containers.stdout), networks: lines(networks.stdout) };
}

/** One label of a container, by name or id. */
export async function containerLabel(container: string, label: string): Promise<string> {
  const { stdout } = await run('podman', ['--runtime', 'runc', 'inspect', container, '--format', `{{index .Config.Labels "${label}"}}`]);
  return stdout.trim();
}

/** Polls until nothing carries `labels`; returns what is left then (empty lists on success). */
export async function waitUntilNoObjects(labels: readonly string[], timeoutMs: number): Promise<EngineObjects> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await labelledObjects(labels);
    if ((left.containers.length === 0 && left.networks.length === 0) || Date.now() > deadline) return left;
    await sleep(200);
  }
}

/** After a failed test: removes what carries `labels`, so a red run does not leave containers running. */
export async function removeLabelled(labels: readonly string[]): Promise<void> {
  const left = await labelledObjects(labels);
  if (left.containers.length > 0) await run('podman', ['--runtime', 'runc', 'rm', '-f', '-t', '0', ...left.containers]).catch(() => undefined);
  if (left.networks.length > 0) await run('podman', ['--runtime', 'runc', 'network', 'rm', '-f', ...left.networks]).catch(() => undefined);
}
