import type Docker from 'dockerode';
import { labelFilter } from './labels.js';
import { removeContainer } from './remove-container.js';

export interface RemovedLeftovers {
  readonly containers: number;
  readonly networks: number;
  readonly volumes: number;
}

/**
 * Removes every container, network and volume labelled as made by `runnerId` (of run `runId` only, when given) —
 * what a runner that was killed mid-job left behind. Containers first: a network in use cannot be removed.
 * `keep` spares the containers this process still uses (its warm pool, its running jobs) and their networks.
 */
export async function removeLeftovers(
  docker: Docker,
  runnerId: string,
  options: { readonly runId?: number; readonly keep?: { readonly containers: ReadonlySet<string>; readonly networks: ReadonlySet<string> } } = {},
): Promise<RemovedLeftovers> {
  const filters = labelFilter(runnerId, options.runId);
  const containers = (await docker.listContainers({ all: true, filters })).filter((info) => !options.keep?.containers.has(info.Id));
  await Promise.all(containers.map((info) => removeContainer(docker.getContainer(info.Id))));
  // By name: podman removes a network that containers still use rather than refuse, so kept ones must be skipped.
  const networks = (await docker.listNetworks({ filters })).filter((info) => !options.keep?.networks.has(info.Name));
  await Promise.all(networks.map((info) => docker.getNetwork(info.Id).remove().catch(ignoreGoneOrInUse)));
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  await Promise.all(volumes.map((info) => docker.getVolume(info.Name).remove().catch(ignoreGone)));
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

/** Already gone (another cleanup got there first) is what we wanted; anything else is reported. */
function ignoreGone(thrown: unknown): void {
  if ((thrown as { statusCode?: number }).statusCode === 404) return;
  throw thrown;
}

/** A network still in use belongs to a container that was kept on purpose. */
function ignoreGoneOrInUse(thrown: unknown): void {
  if ((thrown as { statusCode?: number }).statusCode === 409) return;
  ignoreGone(thrown);
}
