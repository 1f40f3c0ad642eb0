export type { KubernetesExecutorOptions, JobDeletion } from './kubernetes-executor.js';
export { KubernetesExecutor, openKubernetesExecutor, podDirectory } from './kubernetes-executor.js';
export type { KubernetesClient, LoadedKubeConfig } from './kube-config.js';
export { loadKubeConfig } from './kube-config.js';
export { LABEL_JOB, LABEL_RUN, LABEL_RUNNER } from './labels.js';
export type { KubernetesSettings } from './open-from-settings.js';
export { openKubernetesFromSettings } from './open-from-settings.js';
