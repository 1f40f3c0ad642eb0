import { posix } from 'node:path';
import type { ActionFiles, ActionSources } from '../../workflows/index.js';
import type { GitMirrors } from '../git/git-mirror.js';

/** The checkout's root as the compiler sees it on a server: paths under it are paths in the repository. */
export const MIRROR_WORKSPACE = '/';

/** Why `uses: owner/repo@ref` fails on a server, in its validation error. */
export const SERVER_STORE_REASON =
  'actions from other repositories come from the local action store, which only `deploylite run` has; on a server, use actions of this repository (uses: ./PATH) or the built-in ones';

/**
 * A commit's action files for the workflow compiler, which reads synchronously: what it asks for and is not read yet
 * is answered "absent" and remembered, `fetchMissing` reads those from the Git mirror, and the workflow is compiled
 * again (see compileWithMirrorActions) until nothing is missing. A composite naming another local action costs one
 * more round.
 */
export class MirrorActionFiles implements ActionFiles {
  private readonly directories = new Map<string, boolean>();
  private readonly contents = new Map<string, string | undefined>();
  private readonly missingDirectories = new Set<string>();
  private readonly missingFiles = new Set<string>();

  constructor(
    private readonly mirrors: Pick<GitMirrors, 'readFile' | 'listFolder'>,
    private readonly projectId: number,
    private readonly sha: string,
  ) {}

  isDirectory(path: string): boolean {
    const inRepository = repositoryPath(path);
    if (inRepository === undefined) return false;
    const known = this.directories.get(inRepository);
    if (known === undefined) this.missingDirectories.add(inRepository);
    return known === true;
  }

  readFile(path: string): string | undefined {
    const inRepository = repositoryPath(path);
    if (inRepository === undefined) return undefined;
    if (!this.contents.has(inRepository)) this.missingFiles.add(inRepository);
    return this.contents.get(inRepository);
  }

  /** Whether a compilation asked for something not read yet. */
  hasMissing(): boolean {
    return this.missingDirectories.size > 0 || this.missingFiles.size > 0;
  }

  /** Reads from the mirror what was asked for and not read yet. */
  async fetchMissing(): Promise<void> {
    const directories = [...this.missingDirectories];
    const files = [...this.missingFiles];
    this.missingDirectories.clear();
    this.missingFiles.clear();
    await Promise.all([
      ...directories.map(async (path) => {
        this.directories.set(path, (await this.mirrors.listFolder(this.projectId, this.sha, path)) !== undefined);
      }),
      ...files.map(async (path) => {
        this.contents.set(path, await this.mirrors.readFile(this.projectId, this.sha, path));
      }),
    ]);
  }

  /** The sources a server compiles a workflow with: this commit's actions, found in the runner's own checkout. */
  sources(): ActionSources {
    return { workspace: MIRROR_WORKSPACE, files: this, workspaceAtRun: '${{ github.workspace }}', noStoreReason: SERVER_STORE_REASON };
  }
}

/** `/a/b` → `a/b` (the repository's root is ''); undefined outside the repository. */
function repositoryPath(path: string): string | undefined {
  const normalised = posix.normalize(path);
  if (!normalised.startsWith(MIRROR_WORKSPACE)) return undefined;
  return normalised.slice(MIRROR_WORKSPACE.length).replace(/\/+$/, '');
}
