// A real Docker Engine API for the Docker executor's tests and benchmark: podman's
// Docker-compatible service on a unix socket in a temporary directory, and a local busybox
// image (nothing can be pulled on this machine or in CI).
//
//   npx tsx test/e2e/support/podman-engine.ts setup    what .ci/run calls: config + image
//
// Everything here is idempotent: a second call finds the configuration and the image and
// returns at once, so every test file may call `startPodmanEngine()` by itself.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);

/** The image the tests run jobs in: a static busybox and its applets, nothing else. */
export const TEST_IMAGE = 'deploylite-test/busybox:1';
/** The same files, started as a service that answers `pong` on TCP port 8080 to every connection. */
export const PONG_IMAGE = 'deploylite-test/pong:1';
const PONG_SCRIPT = 'exec nc -ll -p 8080 -e echo pong\n';
const CONTAINERS_CONF = '/etc/containers/containers.conf';
// crun fails on this machine (and in CI's container); runc works. cgroupfs because there is
// no systemd to manage cgroups; no default ulimits because raising them is not permitted here.
const CONF_TEXT = '[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\n';
const BUSYBOX = '/bin/busybox';
/** Applets linked into the image; `sh` and `sleep` are what the executor itself needs. */
const APPLETS = ['sh', 'sleep', 'echo', 'cat', 'kill', 'ls', 'mkdir', 'rm', 'env', 'id', 'head', 'dd', 'nc', 'wget', 'ping', 'nslookup', 'true', 'false', 'touch', 'test', 'printf', 'grep', 'ps', 'setsid', 'tr', 'wc', 'seq', 'yes', 'hostname', 'timeout'];

export interface PodmanEngine {
  /** The unix socket serving the Docker Engine API. */
  readonly socketPath: string;
  stop(): Promise<void>;
}

/** Installs nothing (that is .ci/run's job) but says clearly what is missing. */
async function checkInstalled(): Promise<void> {
  const missing = [['podman', '/usr/bin/podman'], ['runc', '/usr/sbin/runc'], ['busybox-static', BUSYBOX]]
    .filter(([, path]) => !existsSync(path!) && !(path === '/usr/sbin/runc' && existsSync('/usr/bin/runc')))
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`the Docker executor's tests need ${missing.join(', ')}: apt-get install -y podman runc busybox-static`);
}

function configure(): void {
  if (existsSync(CONTAINERS_CONF)) {
    const text = readFileSync(CONTAINERS_CONF, 'utf8');
    if (text.includes('cgroup_manager') && text.includes('default_ulimits')) return;
    throw new Error(`${CONTAINERS_CONF} exists but lacks default_ulimits=[] or cgroup_manager="cgroupfs"; podman needs both here`);
  }
  mkdirSync('/etc/containers', { recursive: true });
  writeFileSync(CONTAINERS_CONF, CONF_TEXT);
}

async function imageExists(image: string): Promise<boolean> {
  try {
    await run('podman', ['--runtime', 'runc', 'image', 'exists', image]);
    return true;
  } catch {
    return false;
  }
}

/** `podman import` of a root holding busybox and its applets' links. */
async function buildImage(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'deploylite-busybox-root-'));
  try {
    for (const dir of ['bin', 'tmp', 'etc', 'root', 'workspace']) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    writeFileSync(join(root, 'pong.sh'), PONG_SCRIPT);
    const tarball = `${root}.tar`;
    await run('tar', ['-C', root, '-cf', tarball, '.']);
    try {
      await run('podman', ['--runtime', 'runc', 'import', '--change', 'ENV=PATH=/bin', '--change', 'CMD=["/bin/sh"]', tarball, TEST_IMAGE]);
      await run('podman', ['--runtime', 'runc', 'import', '--change', 'ENV=PATH=/bin', '--change', 'CMD=["/bin/sh","/pong.sh"]', tarball, PONG_IMAGE]);
    } finally {
      rmSync(tarball, { force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Configuration and test image, each made only when missing. */
export async function preparePodman(): Promise<void> {
  await checkInstalled();
  configure();
  if (!(await imageExists(TEST_IMAGE)) || !(await imageExists(PONG_IMAGE))) await buildImage();
}

/** Prepares podman and starts `podman system service` on a socket of its own; `stop()` ends it. */
export async function startPodmanEngine(): Promise<PodmanEngine> {
  await preparePodman();
  const dir = mkdtempSync(join(tmpdir(), 'deploylite-podman-'));
  const socketPath = join(dir, 'podman.sock');
  const child: ChildProcess = spawn('podman', ['--runtime', 'runc', 'system', 'service', '--time=0', `unix://${socketPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let waited = 0; waited < 15_000; waited += 50) {
    if (existsSync(socketPath) && (await answers(socketPath))) return { socketPath, stop };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  await stop();
  throw new Error(`podman system service did not start: ${stderr.trim() || 'no output'}`);
}

async function answers(socketPath: string): Promise<boolean> {
  const { request } = await import('node:http');
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

if (process.argv[2] === 'setup' && import.meta.url === `file://${process.argv[1]}`) {
  preparePodman().then(
    () => console.log(`podman ready, image ${TEST_IMAGE}`),
    (thrown: unknown) => {
      console.error(thrown instanceof Error ? thrown.message : String(thrown));
      process.exit(1);
    },
  );
}
