import type { V1Job } from '@kubernetes/client-node';
import type { StepCommand } from '../../engine/index.js';
import type { ShellCommand } from '../local/resolve-shell.js';
import { shellArgv } from '../local/resolve-shell.js';
import { commandFileVariables } from '../local/step-files.js';

/** Where the job's checkout is unpacked in the pod; steps run here unless told otherwise. */
export const POD_WORKSPACE = '/workspace';
/** The step's script and command files, in the pod. */
export const POD_SCRATCH = '/deploylite';
/** Where the workspace bundle (a ConfigMap) appears to the init container. */
const POD_BUNDLE = '/deploylite-bundle';
export const BUNDLE_KEY = 'workspace.tgz';
/** The container that runs the step; its log is the step's output. */
export const STEP_CONTAINER = 'step';

/**
 * The init container: unpacks the runner's checkout into the pod's workspace volume. It runs the job's image, which
 * must therefore have `tar` with gzip (busybox, Debian and Alpine images do).
 */
const UNPACK_SCRIPT = `tar -xzf ${POD_BUNDLE}/${BUNDLE_KEY} -C ${POD_WORKSPACE}`;

/**
 * The step container's command. Writes the script, runs it in the working directory with the chosen program, then
 * prints the three command files between marker lines carrying a per-step nonce (the log API is the only channel
 * out of a finished pod), and exits with the script's status.
 *   $1 working directory   $2 mode: default | python | exact   $3 script file   $4… the program and its arguments
 */
const STEP_WRAPPER = [
  'dir=$1; mode=$2; script=$3; shift 3',
  'printf "%s" "$DEPLOYLITE_STEP_SCRIPT" > "$script"; unset DEPLOYLITE_STEP_SCRIPT',
  `: > ${POD_SCRATCH}/output; : > ${POD_SCRATCH}/env; : > ${POD_SCRATCH}/path`,
  '[ -n "$DEPLOYLITE_PATH_PREPEND" ] && PATH="$DEPLOYLITE_PATH_PREPEND:$PATH"; unset DEPLOYLITE_PATH_PREPEND',
  'report() { for name in output env path; do echo "$DEPLOYLITE_MARKER $name"; cat "' + POD_SCRATCH + '/$name"; echo; done; echo "$DEPLOYLITE_MARKER end"; }',
  'if ! cd "$dir" 2>/dev/null; then echo "deploylite: working directory $dir does not exist in the pod"; report; exit 127; fi',
  'case $mode in',
  '  default) command -v "$1" >/dev/null 2>&1 || set -- sh -e "$script" ;;',
  '  python) command -v "$1" >/dev/null 2>&1 || { shift; set -- python "$@"; } ;;',
  'esac',
  'if ! command -v "$1" >/dev/null 2>&1; then echo "deploylite: shell program \\"$1\\" not found in the image"; report; exit 127; fi',
  // One stream, as the pod log has: stderr through stdout keeps the lines in the order the step wrote them.
  '"$@" 2>&1; status=$?',
  'report',
  'exit $status',
].join('\n');

export interface StepJobSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** The ConfigMap holding the workspace bundle. */
  readonly bundleConfigMap: string;
  readonly step: StepCommand;
  readonly shell: ShellCommand;
  /** The working directory inside the pod. */
  readonly cwd: string;
  readonly marker: string;
  readonly ttlSecondsAfterFinished: number;
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * One step as a `batch/v1` Job: never restarted (`backoffLimit: 0`, `restartPolicy: Never`) because a step that
 * ran twice could deploy twice; removed by the cluster `ttlSecondsAfterFinished` after it ends even if the runner is
 * gone; stopped by the cluster after the step's timeout (`activeDeadlineSeconds`) even if the runner is gone.
 */
export function stepJob(spec: StepJobSpec): V1Job {
  const script = `${POD_SCRATCH}/step${spec.shell.extension}`;
  const [program, args] = shellArgv(spec.shell, script);
  const mode = spec.step.shell === undefined ? 'default' : spec.step.shell === 'python' ? 'python' : 'exact';
  const files = { script, output: `${POD_SCRATCH}/output`, env: `${POD_SCRATCH}/env`, path: `${POD_SCRATCH}/path` };
  const env: Record<string, string> = {
    ...spec.step.env,
    ...commandFileVariables(files),
    DEPLOYLITE_STEP_SCRIPT: spec.step.script,
    DEPLOYLITE_MARKER: spec.marker,
    DEPLOYLITE_PATH_PREPEND: (spec.step.pathPrepend ?? []).join(':'),
  };
  const securityContext = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } };
  const resources = { limits: { cpu: spec.limits.cpu, memory: spec.limits.memory } };
  const deadline = spec.step.timeoutMs !== undefined ? { activeDeadlineSeconds: Math.max(1, Math.ceil(spec.step.timeoutMs / 1000)) } : {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: spec.name, namespace: spec.namespace, labels: { ...spec.labels }, annotations: { ...spec.annotations } },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      ...deadline,
      template: {
        metadata: { labels: { ...spec.labels } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
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
              name: STEP_CONTAINER,
              image: spec.image,
              command: ['/bin/sh', '-c', STEP_WRAPPER, 'deploylite-step', spec.cwd, mode, script, program, ...args],
              env: Object.entries(env).map(([name, value]) => ({ name, value })),
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

/** What the step container's log holds: the step's own lines, then its command files. */
export interface StepReport {
  readonly files: { output: string; env: string; path: string };
  /** The report's end marker was seen: the wrapper ran to its end. */
  readonly complete: boolean;
}

/**
 * Splits the step container's log lines into the step's output (passed on as they come) and the command-file report
 * after the first marker line. The marker holds a per-step nonce so ordinary output never looks like one; a step that
 * reads it from its environment and prints it can only spoil its own outputs.
 */
export class StepLogReader {
  private section: 'output' | 'env' | 'path' | 'step' | 'done' = 'step';
  private readonly collected = { output: [] as string[], env: [] as string[], path: [] as string[] };

  constructor(private readonly marker: string, private readonly onStepLine: (line: string) => void) {}

  line(line: string): void {
    if (line.startsWith(`${this.marker} `)) {
      const name = line.slice(this.marker.length + 1);
      if (name === 'output' || name === 'env' || name === 'path') this.section = name;
      else if (name === 'end') this.section = 'done';
      return;
    }
    if (this.section === 'step') this.onStepLine(line);
    else if (this.section !== 'done') this.collected[this.section].push(line);
  }

  report(): StepReport {
    // `report` in the wrapper adds one newline after each file, so a file ending in one leaves an empty last line.
    const text = (lines: string[]) => {
      const joined = lines.join('\n');
      return joined === '' ? '' : `${joined}\n`;
    };
    return { files: { output: text(this.collected.output), env: text(this.collected.env), path: text(this.collected.path) }, complete: this.section === 'done' };
  }
}
