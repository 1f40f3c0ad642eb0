import type Docker from 'dockerode';
import { labelsFor } from './labels.js';
import { engineMessage } from './start-services.js';

interface Entry {
  readonly name: string;
  readonly created: Promise<void>;
  users: number;
}

/**
 * One bridge network per run, shared by the run's job containers and services (so a job reaches its services by name
 * and jobs of other runs not at all), made by the first job of the run and removed when the last one cleans up.
 * Safe for concurrent jobs of one run: they share the same creation.
 */
export class RunNetworks {
  private readonly networks = new Map<number, Entry>();

  constructor(
    private readonly docker: Docker,
    private readonly runnerId: string,
  ) {}

  /** The run's network name, created if needed; pair every call with `release`. */
  async acquire(runId: number): Promise<string> {
    let entry = this.networks.get(runId);
    if (entry === undefined) {
      const name = `deploylite-${this.runnerId}-r${runId}`;
      const created = this.create(name, runId);
      entry = { name, created, users: 0 };
      this.networks.set(runId, entry);
      created.catch(() => this.networks.delete(runId));
    }
    entry.users++;
    try {
      await entry.created;
    } catch (thrown) {
      entry.users--;
      throw thrown;
    }
    return entry.name;
  }

  /** The names of the networks held now. */
  names(): string[] {
    return [...this.networks.values()].map((entry) => entry.name);
  }

  async release(runId: number): Promise<void> {
    const entry = this.networks.get(runId);
    if (entry === undefined || --entry.users > 0) return;
    this.networks.delete(runId);
    await this.docker.getNetwork(entry.name).remove().catch(() => {});
  }

  private async create(name: string, runId: number): Promise<void> {
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labelsFor({ runnerId: this.runnerId, runId }, 'network') });
    } catch (thrown) {
      // Left by a runner that crashed with the same id and run, not yet reclaimed: take it over.
      if ((thrown as { statusCode?: number }).statusCode === 409) return;
      throw new Error(`could not create the run's network: ${engineMessage(thrown)}`);
    }
  }
}
