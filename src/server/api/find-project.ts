import type { ControlStore, ProjectRecord } from '../../store/index.js';

/** A project named in a path or a body by its id (all digits) or its name. */
export function findProject(store: ControlStore, idOrName: string): Promise<ProjectRecord | undefined> {
  return /^\d+$/.test(idOrName) ? store.getProject(Number(idOrName)) : store.getProjectByName(idOrName);
}
