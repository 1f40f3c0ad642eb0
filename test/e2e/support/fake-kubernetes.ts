/**
 * A fake Kubernetes API server for the kubernetes executor's tests: a real HTTP server on loopback that implements
 * only what the executor calls — ConfigMaps (create, list by label, delete), batch/v1 Jobs (create, get, list by
 * label, delete with a propagation policy), pods (list by `job-name`, get, log with `follow=true`, exec). Request bodies are
 * validated against the Kubernetes OpenAPI schema (kubernetes-models' generated validators) plus the apiserver rules
 * the schema leaves out; responses are built from test/fixtures/kubernetes (see its README for their origin).
 *
 * A created Job gets one pod, which the fake "runs" for real: each init container and then the container run their
 * `command` + `args` with /bin/sh etc. from this machine inside bubblewrap, with the pod's volumes (emptyDir,
 * configMap) bound at their mount paths and the container's env, so tests see real output and exit codes. The
 * container image is recorded, not pulled: every "image" is this machine's /usr. The pod goes Pending (init
 * containers) → Running → Succeeded/Failed, as the kubelet reports it.
 *
 * pods/exec is served over WebSocket as the API server and kubelet serve it (see `serveExec`): the subprotocol is
 * negotiated from the client's list (v5.channel.k8s.io, else v4.channel.k8s.io; older ones, whose error channel is
 * not JSON, are refused), every binary message starts with its channel byte (0 stdin, 1 stdout, 2 stderr, 3 status,
 * 255 close in v5), and the command's end is a `Status` on channel 3 — `Success`, or `Failure` with reason
 * `NonZeroExitCode` and a cause `{reason: "ExitCode", message: "<code>"}` — after which the server closes the socket.
 * The command runs inside the running container's sandbox (nsenter into its PID and mount namespaces, which needs
 * root, as the tests have), with the container's env, in its working directory, like `runc exec`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as JobModel } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap as ConfigMapModel } from 'kubernetes-models/v1/ConfigMap';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'kubernetes');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json;
}

/** One request as the fake received it, for assertions. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body?: Json;
  readonly authorization?: string;
}

interface FakePod {
  readonly object: Json;
  readonly logs: Map<string, Buffer[]>;
  readonly followers: Map<string, Set<ServerResponse>>;
  readonly root: string;
  process?: ChildProcess;
  /** Host PID of the running container's first process: where an exec enters its namespaces. */
  sandboxPid?: number;
  /** Env and working directory of the running container, which an exec inherits. */
  runningContainer?: Json;
  deleted: boolean;
}

interface FakeJob {
  readonly object: Json;
  readonly pod: FakePod;
}

/** One pods/exec session as the fake served it. */
export interface RecordedExec {
  readonly pod: string;
  readonly container: string;
  readonly command: string[];
  /** The negotiated WebSocket subprotocol. */
  readonly protocol: string;
  /** The Status sent on channel 3, once the command ended. */
  status?: Json;
}

const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export class FakeKubernetes {
  readonly requests: RecordedRequest[] = [];
  readonly execs: RecordedExec[] = [];
  private readonly execProcesses = new Set<ChildProcess>();
  /** Every container's bwrap still running, also of deleted pods: `stop` must leave none behind. */
  private readonly containerProcesses = new Set<ChildProcess>();
  private readonly sockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => [...offered].find((protocol) => EXEC_PROTOCOLS.includes(protocol)) ?? false });
  /** Job manifests as created, in order. */
  readonly createdJobs: Json[] = [];
  private readonly jobs = new Map<string, FakeJob>();
  private readonly configMaps = new Map<string, Json>();
  private readonly server: Server;
  private readonly scratch = mkdtempSync(join(tmpdir(), 'fake-kubernetes-'));
  private resourceVersion = 1000;
  /** Images the fake's "registry" does not have: their pods stay Pending with ErrImagePull, as the kubelet reports. */
  readonly unpullableImages = new Set<string>();
  /** Set by tests: the token the kubeconfig must present. */
  token = `fake-${randomBytes(8).toString('hex')}`;

  /** The self-signed certificate the server presents, which the kubeconfig names as the cluster's CA. */
  private readonly certificate: string;

  private constructor() {
    // HTTPS as a real API server: the client refuses plain HTTP unless told to skip TLS verification.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(this.scratch, 'key.pem'), '-out', join(this.scratch, 'cert.pem')], { stdio: 'ignore' });
    this.certificate = readFileSync(join(this.scratch, 'cert.pem'), 'utf8');
    this.server = createServer({ key: readFileSync(join(this.scratch, 'key.pem')), cert: this.certificate }, (request, response) => void this.handle(request, response));
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(request, socket, head));
  }

  static async start(): Promise<FakeKubernetes> {
    const fake = new FakeKubernetes();
    await new Promise<void>((done) => fake.server.listen(0, '127.0.0.1', done));
    return fake;
  }

  /** The CA a client must trust to talk to the fake. */
  get caCertificate(): string {
    return this.certificate;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig file for this server, written to `dir`. */
  writeKubeconfig(dir: string, namespace = 'ci'): string {
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      `  cluster: { server: "${this.url}", certificate-authority-data: "${Buffer.from(this.certificate).toString('base64')}" }`,
      'users:',
      '- name: runner',
      `  user: { token: "${this.token}" }`,
      'contexts:',
      '- name: fake',
      `  context: { cluster: fake, user: runner, namespace: ${namespace} }`,
      'current-context: fake',
      '',
    ].join('\n'));
    return file;
  }

  /** Names of the Jobs and ConfigMaps the server holds now. */
  objects(): { jobs: string[]; configMaps: string[] } {
    return { jobs: [...this.jobs.keys()].map(shortName), configMaps: [...this.configMaps.keys()].map(shortName) };
  }

  /** Puts a Job (and its ConfigMap) there as a killed runner would have left it: running `sleep`. */
  async plant(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace, labels },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'step', image: 'busybox', command: ['/bin/sh', '-c', 'sleep 600'] }] } } },
    };
    this.createJob(namespace, job);
    this.configMaps.set(`${namespace}/${name}`, { ...fixtureConfigMap(namespace, name, labels) });
  }

  async stop(): Promise<void> {
    for (const child of this.containerProcesses) {
      killGroup(child, 'SIGKILL');
      // A sandbox process that outlived its bwrap still holds these pipes; they must not keep the test process alive.
      for (const stream of child.stdio) stream?.destroy();
      child.unref();
    }
    for (const child of this.execProcesses) child.kill('SIGKILL');
    for (const client of this.sockets.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const text = await readBody(request);
    let body: Json | undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text) as Json;
      } catch {
        return send(response, 400, statusObject('status-waiting', 'the request body is not JSON'));
      }
    }
    this.requests.push({ method: request.method ?? '', path: url.pathname, query: url.searchParams, ...(body !== undefined ? { body } : {}), ...(request.headers.authorization !== undefined ? { authorization: request.headers.authorization } : {}) });
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return send(response, 401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const route = matchRoute(request.method ?? '', url.pathname);
    if (route === undefined) return send(response, 404, notFound('', '', '', `the server could not find the requested resource (${request.method} ${url.pathname})`));
    const { namespace, name } = route;
    switch (route.kind) {
      case 'create-configmap': return this.createConfigMap(response, namespace, body);
      case 'list-configmaps': return send(response, 200, list('ConfigMapList', 'v1', this.select([...this.configMaps.entries()], namespace, url.searchParams.get('labelSelector'))));
      case 'delete-configmap': return this.deleteConfigMap(response, namespace, name);
      case 'create-job': return this.handleCreateJob(response, namespace, body);
      case 'list-jobs': return send(response, 200, list('JobList', 'batch/v1', this.select([...this.jobs.entries()].map(([key, job]) => [key, job.object]), namespace, url.searchParams.get('labelSelector'))));
      case 'get-job': {
        const job = this.jobs.get(`${namespace}/${name}`);
        return job === undefined ? send(response, 404, notFound(name, 'batch', 'jobs')) : send(response, 200, job.object);
      }
      case 'delete-job': return this.deleteJob(response, namespace, name, url.searchParams, body);
      case 'list-pods': {
        const pods = [...this.jobs.values()].filter((job) => !job.pod.deleted).map((job): [string, Json] => [`${namespace}/${job.pod.object.metadata.name}`, job.pod.object]);
        return send(response, 200, list('PodList', 'v1', this.select(pods, namespace, url.searchParams.get('labelSelector'))));
      }
      case 'get-pod': {
        const pod = this.findPod(namespace, name);
        return pod === undefined ? send(response, 404, notFound(name, '', 'pods')) : send(response, 200, pod.object);
      }
      case 'pod-log': return this.podLog(response, namespace, name, url.searchParams);
    }
  }

  private createConfigMap(response: ServerResponse, namespace: string, body: Json | undefined): void {
    const problems = validate(() => new ConfigMapModel(body as never).validate(), body, namespace);
    if (problems.length > 0) return send(response, 422, invalid(body?.metadata?.name ?? '', '', 'configmaps', problems));
    const key = `${namespace}/${body!.metadata.name}`;
    if (this.configMaps.has(key)) return send(response, 409, { ...statusObject('status-invalid', `configmaps "${body!.metadata.name}" already exists`), reason: 'AlreadyExists', code: 409 });
    const stored = { ...body, metadata: { ...this.serverMetadata(namespace), ...body!.metadata } };
    this.configMaps.set(key, stored);
    send(response, 201, stored);
  }

  private deleteConfigMap(response: ServerResponse, namespace: string, name: string): void {
    const map = this.configMaps.get(`${namespace}/${name}`);
    if (map === undefined) return send(response, 404, notFound(name, '', 'configmaps'));
    this.configMaps.delete(`${namespace}/${name}`);
    send(response, 200, { ...fixture('status-success'), details: { name, kind: 'configmaps', uid: map.metadata.uid } });
  }

  private handleCreateJob(response: ServerResponse, namespace: string, body: Json | undefined): void {
    const problems = [...validate(() => new JobModel(body as never).validate(), body, namespace), ...validateJob(body)];
    if (problems.length > 0) return send(response, 422, invalid(body?.metadata?.name ?? '', 'batch', 'jobs', problems));
    if (this.jobs.has(`${namespace}/${body!.metadata.name}`)) return send(response, 409, { ...statusObject('status-invalid', `jobs.batch "${body!.metadata.name}" already exists`), reason: 'AlreadyExists', code: 409 });
    this.createdJobs.push(structuredClone(body!));
    send(response, 201, this.createJob(namespace, body!).object);
  }

  private createJob(namespace: string, body: Json): FakeJob {
    const template = fixture('job');
    const uid = randomUUID();
    const name = body.metadata.name as string;
    const object: Json = {
      ...template,
      metadata: { ...template.metadata, ...this.serverMetadata(namespace), uid, ...body.metadata, labels: { ...body.metadata.labels, 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name } },
      spec: { ...template.spec, ...body.spec, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } } },
      status: { startTime: new Date().toISOString(), active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} },
    };
    const pod = this.createPod(namespace, object);
    const job: FakeJob = { object, pod };
    this.jobs.set(`${namespace}/${name}`, job);
    void this.runPod(job);
    return job;
  }

  private createPod(namespace: string, job: Json): FakePod {
    const template = fixture('pod');
    const name = `${job.metadata.name as string}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const spec = structuredClone(job.spec.template.spec) as Json;
    const object: Json = {
      ...template,
      metadata: {
        ...template.metadata,
        ...this.serverMetadata(namespace),
        name,
        generateName: `${job.metadata.name as string}-`,
        labels: { ...job.spec.template.metadata?.labels, 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': job.metadata.uid, 'job-name': job.metadata.name },
        ownerReferences: [{ ...template.metadata.ownerReferences[0], name: job.metadata.name, uid: job.metadata.uid }],
      },
      spec: { ...spec, nodeName: 'fake-node', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30 },
      status: {
        ...template.status,
        startTime: new Date().toISOString(),
        initContainerStatuses: (spec.initContainers ?? []).map((container: Json) => waitingStatus(container, 'PodInitializing')),
        containerStatuses: (spec.containers as Json[]).map((container) => waitingStatus(container, 'PodInitializing')),
      },
    };
    const root = mkdtempSync(join(this.scratch, `${name}-`));
    return { object, logs: new Map(), followers: new Map(), root, deleted: false };
  }

  /** What the kubelet would do: volumes, init containers in order, then the (single) container; phases as it reports them. */
  private async runPod(job: FakeJob): Promise<void> {
    const { pod } = job;
    const spec = pod.object.spec as Json;
    const volumes = new Map<string, string>();
    for (const volume of (spec.volumes ?? []) as Json[]) {
      const dir = join(pod.root, 'volumes', volume.name as string);
      mkdirSync(dir, { recursive: true });
      if (volume.configMap !== undefined) {
        const map = this.configMaps.get(`${pod.object.metadata.namespace as string}/${volume.configMap.name as string}`);
        if (map === undefined) return this.finishPod(job, 'Failed', `configmap "${volume.configMap.name as string}" not found`);
        for (const [key, value] of Object.entries((map.data ?? {}) as Record<string, string>)) writeFileSync(join(dir, key), value);
        for (const [key, value] of Object.entries((map.binaryData ?? {}) as Record<string, string>)) writeFileSync(join(dir, key), Buffer.from(value, 'base64'));
      }
      volumes.set(volume.name as string, dir);
    }
    await sleep(30); // scheduled, volumes set up: the executor sees Pending first
    const initStatuses = pod.object.status.initContainerStatuses as Json[];
    const missing = [...((spec.initContainers ?? []) as Json[]), ...(spec.containers as Json[])].find((container) => this.unpullableImages.has(container.image as string));
    if (missing !== undefined) {
      const message = `rpc error: code = NotFound desc = failed to pull and unpack image "${missing.image as string}": not found`;
      for (const status of [...initStatuses, ...(pod.object.status.containerStatuses as Json[])]) status.state = { waiting: { reason: 'ErrImagePull', message } };
      return;
    }
    for (const [index, container] of ((spec.initContainers ?? []) as Json[]).entries()) {
      if (pod.deleted) return;
      pod.object.status.initContainerStatuses[index] = { ...pod.object.status.initContainerStatuses[index], state: { running: { startedAt: new Date().toISOString() } } };
      const exitCode = await this.runContainer(pod, container, volumes);
      pod.object.status.initContainerStatuses[index] = terminatedStatus(container, exitCode, pod.logs.get(container.name as string));
      if (exitCode !== 0) {
        pod.object.status.containerStatuses = (spec.containers as Json[]).map((c) => waitingStatus(c, 'PodInitializing'));
        return this.finishPod(job, 'Failed', 'init container failed');
      }
    }
    if (pod.deleted) return;
    const [container] = spec.containers as Json[];
    const exited = this.runContainer(pod, container!, volumes);
    // Running once the container's process exists (as the kubelet reports it after the runtime started it).
    let ended = false;
    void exited.then(() => (ended = true));
    while (pod.sandboxPid === undefined && !ended) await sleep(5);
    if (!ended) {
      pod.object.status.phase = 'Running';
      pod.object.status.containerStatuses = [{ ...waitingStatus(container!, ''), state: { running: { startedAt: new Date().toISOString() } }, ready: true, started: true }];
    }
    const exitCode = await exited;
    pod.object.status.containerStatuses = [terminatedStatus(container!, exitCode, undefined)];
    this.finishPod(job, exitCode === 0 ? 'Succeeded' : 'Failed');
  }

  private finishPod(job: FakeJob, phase: 'Succeeded' | 'Failed', message?: string): void {
    job.pod.object.status.phase = phase;
    if (message !== undefined) job.pod.object.status.message = message;
    const now = new Date().toISOString();
    job.object.status = {
      ...job.object.status,
      active: 0,
      ready: 0,
      ...(phase === 'Succeeded' ? { succeeded: 1, completionTime: now } : { failed: 1 }),
      conditions: [{ type: phase === 'Succeeded' ? 'Complete' : 'Failed', status: 'True', lastProbeTime: now, lastTransitionTime: now, ...(phase === 'Failed' ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } : {}) }],
    };
  }

  /** Runs one container's command in bubblewrap: this machine's /usr as the image, the pod's volumes at their paths. */
  private runContainer(pod: FakePod, container: Json, volumes: Map<string, string>): Promise<number> {
    const argv = [...((container.command ?? []) as string[]), ...((container.args ?? []) as string[])];
    const args = ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/sbin', '/sbin', '--ro-bind', '/etc', '/etc', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--unshare-pid', '--die-with-parent', '--clearenv', '--setenv', 'PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--setenv', 'HOSTNAME', pod.object.metadata.name as string];
    for (const mount of (container.volumeMounts ?? []) as Json[]) args.push(mount.readOnly ? '--ro-bind' : '--bind', volumes.get(mount.name as string)!, mount.mountPath as string);
    for (const variable of (container.env ?? []) as Json[]) args.push('--setenv', variable.name as string, (variable.value ?? '') as string);
    if (container.workingDir !== undefined) args.push('--chdir', container.workingDir as string);
    const log: Buffer[] = [];
    pod.logs.set(container.name as string, log);
    // --info-fd: bwrap reports the sandbox's first process, whose namespaces an exec enters.
    // A process group of its own: deleting the pod signals bwrap and everything in the sandbox at once, even when bwrap
    // is killed before its sandbox process has set itself to die with it.
    const child = spawn('bwrap', ['--info-fd', '3', ...args, ...argv], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    pod.process = child;
    this.containerProcesses.add(child);
    child.on('close', () => this.containerProcesses.delete(child));
    pod.sandboxPid = undefined;
    pod.runningContainer = container;
    let info = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      info += chunk.toString('utf8');
      const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
      if (pid !== undefined) pod.sandboxPid = Number(pid);
    });
    // The kubelet writes both streams to one log.
    const append = (chunk: Buffer) => {
      log.push(chunk);
      for (const follower of pod.followers.get(container.name as string) ?? []) follower.write(chunk);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return new Promise((done) => {
      child.on('close', (code, signal) => {
        for (const follower of pod.followers.get(container.name as string) ?? []) follower.end();
        pod.followers.delete(container.name as string);
        done(code ?? (signal === 'SIGKILL' ? 137 : 143));
      });
    });
  }

  private deleteJob(response: ServerResponse, namespace: string, name: string, query: URLSearchParams, body: Json | undefined): void {
    const job = this.jobs.get(`${namespace}/${name}`);
    if (job === undefined) return send(response, 404, notFound(name, 'batch', 'jobs'));
    const policy = query.get('propagationPolicy') ?? body?.propagationPolicy ?? 'Orphan';
    if (!['Foreground', 'Background', 'Orphan'].includes(policy)) {
      return send(response, 400, statusObject('status-waiting', `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`));
    }
    this.jobs.delete(`${namespace}/${name}`);
    if (policy !== 'Orphan') {
      // The garbage collector: the pod gets SIGTERM, and SIGKILL after its grace period.
      const grace = Number(query.get('gracePeriodSeconds') ?? body?.gracePeriodSeconds ?? job.pod.object.spec.terminationGracePeriodSeconds);
      job.pod.deleted = true;
      const child = job.pod.process;
      if (child !== undefined) {
        killGroup(child, 'SIGTERM');
        setTimeout(() => killGroup(child, 'SIGKILL'), grace * 1000).unref();
      }
    }
    if (policy === 'Foreground') {
      return send(response, 200, { ...job.object, metadata: { ...job.object.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 0, finalizers: ['foregroundDeletion'] } });
    }
    send(response, 200, { ...fixture('status-success'), details: { name, group: 'batch', kind: 'jobs', uid: job.object.metadata.uid } });
  }

  private podLog(response: ServerResponse, namespace: string, name: string, query: URLSearchParams): void {
    const pod = this.findPod(namespace, name);
    if (pod === undefined) return send(response, 404, notFound(name, '', 'pods'));
    const containerName = query.get('container') ?? (pod.object.spec.containers[0].name as string);
    const status = [...pod.object.status.initContainerStatuses, ...pod.object.status.containerStatuses].find((entry: Json) => entry.name === containerName);
    if (status === undefined) return send(response, 400, statusObject('status-waiting', `container ${containerName} is not valid for pod ${name}`));
    if (status.state.waiting !== undefined) return send(response, 400, statusObject('status-waiting', `container "${containerName}" in pod "${name}" is waiting to start: ${status.state.waiting.reason as string}`));
    response.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    for (const chunk of pod.logs.get(containerName) ?? []) response.write(chunk);
    if (query.get('follow') !== 'true' || status.state.terminated !== undefined) return void response.end();
    const followers = pod.followers.get(containerName) ?? new Set<ServerResponse>();
    followers.add(response);
    pod.followers.set(containerName, followers);
    response.on('close', () => followers.delete(response));
  }

  /** pods/exec arrives as a WebSocket upgrade; anything else upgraded is not an API the fake serves. */
  private upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    this.requests.push({ method: request.method ?? '', path: url.pathname, query: url.searchParams, ...(request.headers.authorization !== undefined ? { authorization: request.headers.authorization } : {}) });
    const refuse = (status: number, body: Json) => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    if (request.headers.authorization !== `Bearer ${this.token}`) return refuse(401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (match === null || request.method !== 'GET') return refuse(404, notFound('', '', '', `the server could not find the requested resource (${request.method} ${url.pathname})`));
    const [namespace, name] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
    const pod = this.findPod(namespace, name);
    if (pod === undefined) return refuse(404, notFound(name, '', 'pods'));
    const command = url.searchParams.getAll('command');
    const containerName = url.searchParams.get('container') ?? (pod.object.spec.containers[0].name as string);
    if (command.length === 0) return refuse(400, statusObject('status-waiting', 'you must specify at least 1 command'));
    if (url.searchParams.get('tty') === 'true') return refuse(400, statusObject('status-waiting', 'the fake does not serve tty execs'));
    const running = (pod.object.status.containerStatuses as Json[]).find((entry) => entry.name === containerName)?.state?.running;
    if (running === undefined || pod.sandboxPid === undefined || pod.runningContainer?.name !== containerName) {
      return refuse(400, statusObject('status-waiting', `unable to upgrade connection: container not found ("${containerName}")`));
    }
    // The real handshake takes the first protocol the client offers that the server supports; none is an error.
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((entry) => entry.trim());
    if (!offered.some((protocol) => EXEC_PROTOCOLS.includes(protocol))) return refuse(400, statusObject('status-waiting', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${EXEC_PROTOCOLS.join(' ')}]`));
    this.sockets.handleUpgrade(request, socket, head, (ws) => this.serveExec(ws, pod, containerName, command, url.searchParams.get('stdin') === 'true'));
  }

  /** Runs the command in the container's namespaces, its streams multiplexed on the socket, its end as a Status on channel 3. */
  private serveExec(ws: WebSocket, pod: FakePod, container: string, command: string[], withStdin: boolean): void {
    const record: RecordedExec = { pod: pod.object.metadata.name as string, container, command, protocol: ws.protocol };
    this.execs.push(record);
    const spec = pod.runningContainer!;
    const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${pod.object.metadata.name as string}`, ...((spec.env ?? []) as Json[]).map((variable) => `${variable.name as string}=${(variable.value ?? '') as string}`)];
    const args = ['--target', String(pod.sandboxPid), '--pid', '--mount', '--root', ...(spec.workingDir !== undefined ? [`--wdns=${spec.workingDir as string}`] : []), '--', 'env', '-i', ...env, ...command];
    const child = spawn('nsenter', args, { stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    this.execProcesses.add(child);
    const frame = (channel: number, data: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(channel), data]));
    };
    child.stdout?.on('data', (chunk: Buffer) => frame(1, chunk));
    child.stderr?.on('data', (chunk: Buffer) => frame(2, chunk));
    child.stdin?.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      if (data[0] === 0) child.stdin?.write(data.subarray(1));
      // v5 only: the client half-closes a stream (stdin) with 255 and the stream's number.
      else if (data[0] === 255 && data[1] === 0 && ws.protocol === 'v5.channel.k8s.io') child.stdin?.end();
    });
    child.on('close', (code, signal) => {
      this.execProcesses.delete(child);
      // A process killed by a signal is reported by the runtime as 128 + its number, like a shell would.
      const exitCode = code ?? 128 + (signal !== null ? osConstants.signals[signal] : 9);
      record.status = exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
      frame(3, Buffer.from(JSON.stringify(record.status)));
      ws.close(1000);
    });
  }

  private findPod(namespace: string, name: string): FakePod | undefined {
    return [...this.jobs.values()].map((job) => job.pod).find((pod) => pod.object.metadata.namespace === namespace && pod.object.metadata.name === name && !pod.deleted);
  }

  private select(entries: [string, Json][], namespace: string, selector: string | null): Json[] {
    const wanted = (selector ?? '').split(',').filter((term) => term !== '').map((term) => term.split('=') as [string, string]);
    return entries
      .filter(([key]) => key.startsWith(`${namespace}/`))
      .map(([, object]) => object)
      .filter((object) => wanted.every(([label, value]) => object.metadata.labels?.[label] === value));
  }

  private serverMetadata(namespace: string): Json {
    return { namespace, uid: randomUUID(), resourceVersion: String(++this.resourceVersion), creationTimestamp: new Date().toISOString() };
  }
}

/**
 * Signals a container's process group: bwrap and its sandbox, also a sandbox process left behind when bwrap itself
 * has exited (its pipes still open, so the child has not closed). Nothing when the group is gone.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: no process of the group is left.
  }
}

type Route = { kind: 'create-configmap' | 'list-configmaps' | 'create-job' | 'list-jobs' | 'list-pods'; namespace: string; name: string } | { kind: 'delete-configmap' | 'get-job' | 'delete-job' | 'get-pod' | 'pod-log'; namespace: string; name: string };

function matchRoute(method: string, path: string): Route | undefined {
  const patterns: [string, RegExp, Route['kind']][] = [
    ['POST', /^\/api\/v1\/namespaces\/([^/]+)\/configmaps$/, 'create-configmap'],
    ['GET', /^\/api\/v1\/namespaces\/([^/]+)\/configmaps$/, 'list-configmaps'],
    ['DELETE', /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/, 'delete-configmap'],
    ['POST', /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/, 'create-job'],
    ['GET', /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/, 'list-jobs'],
    ['GET', /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/, 'get-job'],
    ['DELETE', /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/, 'delete-job'],
    ['GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods$/, 'list-pods'],
    ['GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/, 'get-pod'],
    ['GET', /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/, 'pod-log'],
  ];
  for (const [verb, pattern, kind] of patterns) {
    const match = method === verb ? pattern.exec(path) : null;
    if (match) return { kind, namespace: decodeURIComponent(match[1]!), name: decodeURIComponent(match[2] ?? '') } as Route;
  }
  return undefined;
}

/** The OpenAPI schema check, then what every object needs: a DNS-1123 name, label values of the allowed form, the path's namespace. */
function validate(check: () => void, body: Json | undefined, namespace: string): string[] {
  if (body === undefined) return ['the request has no body'];
  const problems: string[] = [];
  try {
    check();
  } catch (thrown) {
    problems.push(`schema: ${(thrown as Error).message}`);
  }
  const name = body.metadata?.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) problems.push(`metadata.name: Invalid value: "${String(name)}": a lowercase RFC 1123 label of at most 63 characters`);
  if (body.metadata?.namespace !== undefined && body.metadata.namespace !== namespace) problems.push('metadata.namespace: Invalid value: does not match the namespace of the request');
  for (const [key, value] of Object.entries((body.metadata?.labels ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string' || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) problems.push(`metadata.labels: Invalid value: "${String(value)}" for ${key}`);
  }
  return problems;
}

/** The apiserver's Job validation that the OpenAPI schema does not express. */
function validateJob(body: Json | undefined): string[] {
  const problems: string[] = [];
  const spec = body?.spec?.template?.spec as Json | undefined;
  if (body?.apiVersion !== 'batch/v1' || body.kind !== 'Job') problems.push('apiVersion/kind must be batch/v1 Job');
  if (spec === undefined) return [...problems, 'spec.template.spec: Required value'];
  if (spec.restartPolicy !== 'Never' && spec.restartPolicy !== 'OnFailure') problems.push(`spec.template.spec.restartPolicy: Unsupported value: "${String(spec.restartPolicy)}": supported values: "OnFailure", "Never"`);
  const containers = [...((spec.initContainers ?? []) as Json[]), ...((spec.containers ?? []) as Json[])];
  if ((spec.containers ?? []).length === 0) problems.push('spec.template.spec.containers: Required value');
  const names = new Set<string>();
  for (const container of containers) {
    if (typeof container.image !== 'string' || container.image === '') problems.push(`containers[${String(container.name)}].image: Required value`);
    if (names.has(container.name as string)) problems.push(`containers[${String(container.name)}].name: Duplicate value`);
    names.add(container.name as string);
    const volumeNames = new Set(((spec.volumes ?? []) as Json[]).map((volume) => volume.name as string));
    for (const mount of (container.volumeMounts ?? []) as Json[]) if (!volumeNames.has(mount.name as string)) problems.push(`containers[${String(container.name)}].volumeMounts.name: Not found: "${String(mount.name)}"`);
  }
  return problems;
}

function fixtureConfigMap(namespace: string, name: string, labels: Record<string, string>): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels, uid: randomUUID() }, data: {} };
}

function waitingStatus(container: Json, reason: string): Json {
  return { name: container.name, image: container.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason } }, lastState: {} };
}

function terminatedStatus(container: Json, exitCode: number, log: Buffer[] | undefined): Json {
  const now = new Date().toISOString();
  const message = log !== undefined && exitCode !== 0 ? Buffer.concat(log).toString('utf8').slice(-1024) : undefined;
  return {
    name: container.name,
    image: container.image,
    imageID: `docker.io/library/${String(container.image)}@sha256:${'0'.repeat(64)}`,
    containerID: `containerd://${randomBytes(32).toString('hex')}`,
    ready: false,
    restartCount: 0,
    started: false,
    state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now, ...(message ? { message } : {}) } },
    lastState: {},
  };
}

function list(kind: string, apiVersion: string, items: Json[]): Json {
  return { kind, apiVersion, metadata: { resourceVersion: String(Date.now()) }, items };
}

function statusObject(template: string, message: string): Json {
  return { ...fixture(template), message };
}

function notFound(name: string, group: string, kind: string, message?: string): Json {
  return { ...fixture('status-not-found'), message: message ?? `${kind}${group ? `.${group}` : ''} "${name}" not found`, details: { name, group, kind } };
}

function invalid(name: string, group: string, kind: string, problems: string[]): Json {
  const template = fixture('status-invalid');
  return { ...template, message: `${kind === 'jobs' ? 'Job' : 'ConfigMap'}.${group || 'core'} "${name}" is invalid: ${problems.join(', ')}`, details: { name, group, kind, causes: problems.map((message) => ({ reason: 'FieldValueInvalid', message })) } };
}

function shortName(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

function send(response: ServerResponse, status: number, body: Json): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}
