import type { V1Job } from '@kubernetes/client-node';

/** Where the job's checkout is unpacked in the pod; steps run here unless told otherwise. */
export const POD_WORKSPACE = '/workspace';
/** The steps' scripts, command files and process-group files, in the pod. */
export const POD_SCRATCH = '/deploylite';
/** Where the workspace bundle (a ConfigMap) appears to the init container. */
const POD_BUNDLE = '/deploylite-bundle';
export const BUNDLE_KEY = 'workspace.tgz';
/** The long-lived container every step is exec'd in. */
export const JOB_CONTAINER = 'job';

/**
 * The init container: unpacks the runner's checkout into the pod's workspace volume. It runs the job's image, which
 * must therefore have `tar` with gzip (busybox, Debian and Alpine images do).
 */
// -o: no owners from the archive. The pod drops every capability, so root in it cannot chown, and GNU tar run as
// root would try and fail.
const UNPACK_SCRIPT = `tar -xzof ${POD_BUNDLE}/${BUNDLE_KEY} -C ${POD_WORKSPACE}`;

/**
 * PID 1 of the job container: idles until the Job is deleted. A shell as PID 1 has no default action for SIGTERM, so
 * the trap makes a deleted pod stop at once instead of after its whole grace period. `sleep` in the background
 * keeps the trap responsive (a shell runs traps only between commands).
 */
const IDLE_SCRIPT = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';

export interface JobManifestSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** The ConfigMap holding the workspace bundle. */
  readonly bundleConfigMap: string;
  readonly ttlSecondsAfterFinished: number;
  /** The cluster stops the pod after this long, also when the runner that should have deleted it is gone. */
  readonly activeDeadlineSeconds: number;
  /** Seconds between SIGTERM and SIGKILL when the pod is deleted. */
  readonly terminationGracePeriodSeconds: number;
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * A whole pipeline job as one `batch/v1` Job (handbook 3.3, "Robot-as-Job"), the way GitLab Runner's Kubernetes
 * executor does it: the init container prepares the workspace, the job container idles, and the runner execs each
 * step in it (step-exec.ts). Never restarted (`backoffLimit: 0`, `restartPolicy: Never`): a pod started again would
 * have lost the steps' files and could deploy twice. `ttlSecondsAfterFinished` and `activeDeadlineSeconds` make the
 * cluster clean up after a runner that died without deleting the Job.
 */
export function jobManifest(spec: JobManifestSpec): V1Job {
  const securityContext = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } };
  const resources = { limits: { cpu: spec.limits.cpu, memory: spec.limits.memory } };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: spec.name, namespace: spec.namespace, labels: { ...spec.labels }, annotations: { ...spec.annotations } },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      template: {
        metadata: { labels: { ...spec.labels } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
          initContainers: [
            {
              name: 'workspace',
              image: spec.image,
              command: ['/bin/sh', '-c', UNPACK_SCRIPT],
              volumeMounts: [
                { name: 'workspace', mountPath: POD_WORKSPACE },
                { name: 'bundle', mountPath: POD_BUNDLE, readOnly: true },
              ],
              securityContext,
              resources,
            },
          ],
          containers: [
            {
              name: JOB_CONTAINER,
              image: spec.image,
              command: ['/bin/sh', '-c', IDLE_SCRIPT],
              workingDir: POD_WORKSPACE,
              volumeMounts: [
                { name: 'workspace', mountPath: POD_WORKSPACE },
                { name: 'scratch', mountPath: POD_SCRATCH },
              ],
              securityContext,
              resources,
            },
          ],
          volumes: [
            { name: 'workspace', emptyDir: {} },
            { name: 'scratch', emptyDir: {} },
            { name: 'bundle', configMap: { name: spec.bundleConfigMap } },
          ],
        },
      },
    },
  };
}
