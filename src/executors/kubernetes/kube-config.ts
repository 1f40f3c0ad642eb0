import type * as KubernetesClientModule from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The client library, loaded on first use (see `loadKubeConfig`). */
export type KubernetesClient = typeof KubernetesClientModule;

export interface LoadedKubeConfig {
  readonly client: KubernetesClient;
  readonly config: KubeConfig;
  /** The file it came from, for messages. */
  readonly file: string;
  /** The current context's namespace, else `default`. */
  readonly namespace: string;
  readonly server: string;
}

/**
 * Reads the kubeconfig `KUBECONFIG` names (its first file), else `$HOME/.kube/config`. Throws one sentence naming
 * the file for every way it can be unusable; credentials in it never appear in the message.
 */
export async function loadKubeConfig(env: Readonly<Record<string, string | undefined>>): Promise<LoadedKubeConfig> {
  const named = env.KUBECONFIG?.split(delimiter).find((entry) => entry !== '');
  const file = named ?? (env.HOME !== undefined ? join(env.HOME, '.kube', 'config') : undefined);
  if (file === undefined) throw new Error('the kubernetes executor needs a kubeconfig: set KUBECONFIG');
  if (!existsSync(file)) throw new Error(`the kubernetes executor cannot read the kubeconfig ${file}: no such file (set KUBECONFIG)`);
  // A dynamic import of a package the bundle keeps external (scripts/build.mjs): the client (4 MB) is read only when
  // the kubernetes executor is chosen, not at every CLI start.
  const client: KubernetesClient = await import('@kubernetes/client-node');
  const config = new client.KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (thrown) {
    // The parser's message quotes at most a position, never the file's content.
    const reason = thrown instanceof Error ? thrown.message.split('\n')[0] : String(thrown);
    throw new Error(`the kubeconfig ${file} is not valid: ${reason}`);
  }
  if (!config.getCurrentContext()) throw new Error(`the kubeconfig ${file} names no current-context`);
  const context = config.getContextObject(config.getCurrentContext());
  if (context === null) throw new Error(`the kubeconfig ${file}: current-context "${config.getCurrentContext()}" is not one of its contexts`);
  const cluster = config.getCurrentCluster();
  if (cluster === null || cluster.server === '') throw new Error(`the kubeconfig ${file}: context "${context.name}" names no cluster with a server`);
  return { client, config, file, namespace: context.namespace ?? 'default', server: cluster.server };
}
