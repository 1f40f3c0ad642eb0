import type Docker from 'dockerode';

/**
 * Removes a container and its anonymous volumes at once. SIGKILL first: podman's forced removal otherwise stops
 * the container politely and waits its stop timeout (10 s) for a PID 1 that ignores SIGTERM, as daemons run as
 * PID 1 in a service container do. Gone already is fine.
 */
export async function removeContainer(container: Docker.Container): Promise<void> {
  await container.kill({ signal: 'SIGKILL' }).catch(() => {});
  await container.remove({ force: true, v: true }).catch((thrown: unknown) => {
    if ((thrown as { statusCode?: number }).statusCode !== 404) throw thrown;
  });
}
