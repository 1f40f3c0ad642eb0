/** What one step's sandbox looks like; built once per job, apart from the working directory. */
export interface SandboxLayout {
  /** Bound read-write at its own path, so paths in the step's environment mean the same inside and out. */
  readonly workspaceDir: string;
  /** The job's scripts and command files; read-write at its own path. */
  readonly scratchDir: string;
  /** Directories the runner made for the job (`JobRequest.hostDirs`); read-write at their own paths. */
  readonly hostDirs?: readonly string[];
  /** Existing directories and files of the runner to hide: directories under an empty read-only tmpfs, files under /dev/null. */
  readonly hidden: readonly { readonly path: string; readonly kind: 'dir' | 'file' }[];
  /** Files inside hidden directories to show again, read-only (the resolver configuration under /run). */
  readonly shown: readonly string[];
  /** `none`: a network namespace of its own with only a loopback interface. */
  readonly network: 'host' | 'none';
  /** Size of the private /tmp (memory-backed). */
  readonly tmpBytes: number;
}

/**
 * bubblewrap's arguments for one step, up to and including the `--` before the command.
 *
 * The host's root is visible read-only; /tmp, /dev and /proc are private. The mounts that hide and expose paths are
 * applied from the shallowest path to the deepest, so the workspace under a hidden work root (a runner's) and a hidden
 * directory inside the workspace (`deploylite run`'s `.deploylite`) both come out right. The hiding tmpfs mounts are
 * remounted read-only at the end, once bubblewrap has made the mount points it needs inside them.
 *
 * No `--new-session`: the step's processes stay in the process group the executor signals, and since the group is
 * started in a session of its own (no controlling terminal), the TIOCSTI escape that flag guards against has no
 * terminal to work on.
 */
export function bwrapArguments(layout: SandboxLayout, cwd: string): string[] {
  // A project that is $HOME itself stays visible: the hiding mount would be under the workspace, and its
  // read-only remount would hit the workspace.
  const bound = [layout.workspaceDir, layout.scratchDir, ...(layout.hostDirs ?? [])];
  const hidden = layout.hidden.filter(({ path }) => !bound.includes(path));
  const mounts: { path: string; args: string[] }[] = [
    { path: '/tmp', args: ['--size', String(layout.tmpBytes), '--tmpfs', '/tmp'] },
    ...hidden.map(({ path, kind }) => ({ path, args: kind === 'dir' ? ['--tmpfs', path] : ['--ro-bind', '/dev/null', path] })),
    ...layout.shown.map((path) => ({ path, args: ['--ro-bind', path, path] })),
    { path: layout.workspaceDir, args: ['--bind', layout.workspaceDir, layout.workspaceDir] },
    { path: layout.scratchDir, args: ['--bind', layout.scratchDir, layout.scratchDir] },
    ...(layout.hostDirs ?? []).map((path) => ({ path, args: ['--bind', path, path] })),
  ];
  mounts.sort((a, b) => depth(a.path) - depth(b.path));
  return [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    ...mounts.flatMap((mount) => mount.args),
    ...hidden.filter((entry) => entry.kind === 'dir').flatMap((entry) => ['--remount-ro', entry.path]),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    ...(layout.network === 'none' ? ['--unshare-net'] : []),
    '--hostname', 'deploylite-sandbox',
    // A runner killed with SIGKILL takes its sandboxes with it: bwrap dies with its parent, and the
    // sandbox's init with bwrap, and the kernel kills everything left in the PID namespace.
    '--die-with-parent',
    // Relevant when the runner is root: no capability survives, so the read-only mounts cannot be undone.
    '--cap-drop', 'ALL',
    '--chdir', cwd,
    '--',
  ];
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}
