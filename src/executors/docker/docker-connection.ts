import type { DockerOptions } from 'dockerode';

/** Where the Docker CLI looks when DOCKER_HOST is unset. */
export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * dockerode's connection options for a `DOCKER_HOST` value, as the Docker CLI reads it: `unix:///path/docker.sock`
 * (podman: `unix:///run/podman/podman.sock`, rootless `unix://$XDG_RUNTIME_DIR/podman/podman.sock`) or
 * `tcp://host:port` (plain HTTP: put TLS or SSH in front of a remote engine). Unset: the default socket. Anything
 * else is an error that names the variable.
 */
export function dockerConnection(dockerHost: string | undefined): DockerOptions {
  if (dockerHost === undefined || dockerHost === '') return { socketPath: DEFAULT_SOCKET };
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    if (socketPath.startsWith('/')) return { socketPath };
  }
  const tcp = /^tcp:\/\/([^:/]+):(\d{1,5})\/?$/.exec(dockerHost);
  if (tcp) return { protocol: 'http', host: tcp[1]!, port: Number(tcp[2]) };
  throw new Error(`DOCKER_HOST "${dockerHost}" is not unix:///path/to/socket or tcp://host:port`);
}
