import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bwrapArguments } from '../../../src/executors/sandbox/bwrap-arguments.js';

const layout = {
  workspaceDir: '/home/ci/project',
  scratchDir: '/home/ci/project/.deploylite/tmp/deploylite-r1-build-x',
  hidden: [
    { path: '/home/ci/project/.deploylite', kind: 'dir' as const },
    { path: '/home/ci', kind: 'dir' as const },
    { path: '/etc/deploylite/token', kind: 'file' as const },
  ],
  shown: [] as string[],
  network: 'host' as const,
  tmpBytes: 1024,
};

/** The mount operations in order, as `op path`. */
function mountOrder(args: string[]): string[] {
  const order: string[] = [];
  args.forEach((arg, i) => {
    if (arg === '--tmpfs') order.push(`tmpfs ${args[i + 1]}`);
    if (arg === '--bind') order.push(`bind ${args[i + 2]}`);
    if (arg === '--ro-bind' && args[i + 1] === '/dev/null') order.push(`hide ${args[i + 2]}`);
  });
  return order;
}

test('mounts go from the shallowest path to the deepest, so a hidden home keeps the workspace and the workspace keeps its hidden history', () => {
  assert.deepEqual(mountOrder(bwrapArguments(layout, '/home/ci/project')), [
    'tmpfs /tmp',
    'tmpfs /home/ci',
    'hide /etc/deploylite/token',
    'bind /home/ci/project',
    'tmpfs /home/ci/project/.deploylite',
    'bind /home/ci/project/.deploylite/tmp/deploylite-r1-build-x',
  ]);
});

test('hiding directories are made read-only after the binds inside them, and only network none unshares the network', () => {
  const args = bwrapArguments(layout, '/home/ci/project');
  const remounts = args.flatMap((arg, i) => (arg === '--remount-ro' ? [args[i + 1]] : []));
  assert.deepEqual(remounts, ['/home/ci/project/.deploylite', '/home/ci']);
  assert.ok(args.indexOf('--remount-ro') > args.lastIndexOf('--bind'));
  assert.equal(args.includes('--unshare-net'), false);
  assert.ok(bwrapArguments({ ...layout, network: 'none' }, '/').includes('--unshare-net'));
  assert.deepEqual(args.slice(-3), ['--chdir', '/home/ci/project', '--']);
});

test('a hidden directory that is the workspace itself ($HOME as the project) is not hidden', () => {
  const args = bwrapArguments({ ...layout, hidden: [{ path: '/home/ci/project', kind: 'dir' }] }, '/home/ci/project');
  assert.deepEqual(mountOrder(args), ['tmpfs /tmp', 'bind /home/ci/project', 'bind /home/ci/project/.deploylite/tmp/deploylite-r1-build-x']);
  assert.equal(args.includes('--remount-ro'), false);
});

test('a file shown again inside a hidden directory is bound read-only after the directory is hidden', () => {
  const resolver = '/run/systemd/resolve/stub-resolv.conf';
  const args = bwrapArguments({ ...layout, hidden: [{ path: '/run', kind: 'dir' }], shown: [resolver] }, '/');
  const shownAt = args.findIndex((arg, i) => arg === '--ro-bind' && args[i + 1] === resolver && args[i + 2] === resolver);
  assert.ok(shownAt > args.indexOf('/run'), args.join(' '));
});

test('a workflow job\'s RUNNER_TEMP under the private /tmp is bound read-write after it, so its steps see the event and summary files', () => {
  const order = mountOrder(bwrapArguments({ ...layout, hostDirs: ['/tmp/deploylite-runner-abc'] }, '/home/ci/project'));
  assert.ok(order.indexOf('bind /tmp/deploylite-runner-abc') > order.indexOf('tmpfs /tmp'), order.join(', '));
});
