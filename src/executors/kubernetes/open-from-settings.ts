import { createHash } from 'node:crypto';
import { coerceError, DeployliteError } from '../../core/index.js';
import type { KubernetesExecutor } from './kubernetes-executor.js';

/** The part of the composition root's executor settings this executor reads (see create-executor.ts). */
export interface KubernetesSettings {
  readonly killGraceMs: number;
  readonly tempRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly runnerName?: string;
  readonly network?: 'host' | 'none';
}

/**
 * The kubernetes executor configured from KUBECONFIG (or ~/.kube/config), its cluster checked. Every way that fails
 * (no kubeconfig, a broken one, an API server that does not answer or refuses) is one `executor.unavailable` line.
 */
export async function openKubernetesFromSettings(settings: KubernetesSettings): Promise<KubernetesExecutor> {
  try {
    if (settings.network === 'none') throw new Error('the kubernetes executor cannot cut jobs off the network (that takes a NetworkPolicy in the cluster); drop --sandbox-network none');
    // Loaded only when chosen: the Kubernetes client is large, and every other CLI start would pay for it.
    const { loadKubeConfig } = await import('./kube-config.js');
    const { openKubernetesExecutor } = await import('./kubernetes-executor.js');
    const kubeConfig = await loadKubeConfig(settings.env);
    return await openKubernetesExecutor({
      kubeConfig,
      killGraceMs: settings.killGraceMs,
      tempRoot: settings.tempRoot,
      ...(settings.env.DEPLOYLITE_KUBERNETES_NAMESPACE !== undefined ? { namespace: settings.env.DEPLOYLITE_KUBERNETES_NAMESPACE } : {}),
      ...(settings.runnerName !== undefined
        ? { runnerId: labelSafe(settings.runnerName), removeLeftovers: true }
        : // `deploylite run`: run ids restart at 1 in every project, so the runner label names the project (its temp root).
          { runnerId: `local-${createHash('sha256').update(settings.tempRoot).digest('hex').slice(0, 10)}` }),
    });
  } catch (thrown) {
    throw new DeployliteError('executor.unavailable', coerceError(thrown).message);
  }
}

/** Runner names are free text; label values take at most 63 letters, digits, `.`, `_` and `-`, alphanumeric at both ends. */
function labelSafe(name: string): string {
  return name.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 63).replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '') || 'runner';
}
