import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { DeployliteError, NotFoundError } from '../../core/index.js';
import type { DataKeyRecord, SecretRecord, SecretStore } from '../../store/index.js';
import { KEY_BYTES, open, seal } from './aead.js';
import type { MasterKeyRing } from './master-keys.js';

/** A secret as the API shows it: everything but the value. */
export interface SecretInfo {
  readonly name: string;
  readonly environment: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface RotationReport {
  readonly masterKeyId: string;
  readonly dataKeyId: number;
  readonly resealed: number;
  /** Older data keys, now wrapped under the new master key (queued jobs may still need them). */
  readonly dataKeysRewrapped: number;
}

const SEALED_FORMAT = /^v1\.(\d+)\.([A-Za-z0-9+/=]+)\.([A-Za-z0-9+/=]+)$/;

/**
 * Envelope encryption for project secrets. Values are sealed with AES-256-GCM under a data
 * key; data keys are stored wrapped under a master key that never enters the database. The
 * AAD binds each value to its project, environment and name, and each data key to its id,
 * so swapping rows in the database yields a decryption error rather than another secret.
 */
export class SecretVault {
  private readonly unwrapped = new Map<number, Buffer>();

  constructor(
    private readonly store: SecretStore,
    private readonly masterKeys: MasterKeyRing,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async put(projectId: number, environment: string | null, name: string, value: string, actor: string): Promise<SecretInfo> {
    const dataKey = await this.currentDataKey();
    const sealed = seal(this.unwrap(dataKey), Buffer.from(value, 'utf8'), secretAad(projectId, environment, name));
    const record = await this.store.putSecret({
      projectId,
      environment: environment ?? '',
      name,
      ciphertext: sealed.ciphertext.toString('base64'),
      nonce: sealed.nonce.toString('base64'),
      dataKeyId: dataKey.id,
      updatedAt: this.clock.now(),
      updatedBy: actor,
    });
    return describe(record);
  }

  async remove(projectId: number, environment: string | null, name: string): Promise<void> {
    if (!(await this.store.deleteSecret(projectId, environment ?? '', name))) {
      throw new NotFoundError(`secret ${name}${environment ? ` (environment ${environment})` : ''} does not exist`);
    }
  }

  async list(projectId: number): Promise<SecretInfo[]> {
    return (await this.store.listSecrets(projectId)).map(describe);
  }

  /**
   * The values a job may see: only the `names` its pipeline references, with an environment's
   * value taking precedence over the project-wide one of the same name (as GitHub's
   * environment secrets override repository secrets).
   */
  async resolve(projectId: number, environment: string | null, names: readonly string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const wanted = new Set(names);
    const values: Record<string, string> = {};
    const records = (await this.store.listSecrets(projectId)).filter((r) => wanted.has(r.name) && (r.environment === '' || r.environment === environment));
    // Project-wide first, so the environment's value overwrites it.
    records.sort((a, b) => (a.environment === '' ? 0 : 1) - (b.environment === '' ? 0 : 1));
    for (const record of records) values[record.name] = await this.decrypt(record);
    return values;
  }

  /**
   * Seals what a queued job carries that may hold secret values (its secrets, and its env
   * interpolated with them), so the job queue never stores them in the clear. `aad` names
   * the job, so a sealed payload cannot be moved to another.
   */
  async seal(value: unknown, aad: string): Promise<string> {
    const dataKey = await this.currentDataKey();
    const sealed = seal(this.unwrap(dataKey), Buffer.from(JSON.stringify(value), 'utf8'), `deploylite:queued:v1:${aad}`);
    return `v1.${dataKey.id}.${sealed.nonce.toString('base64')}.${sealed.ciphertext.toString('base64')}`;
  }

  async open(text: string, aad: string): Promise<unknown> {
    const match = SEALED_FORMAT.exec(text);
    const dataKey = match ? await this.store.getDataKey(Number(match[1])) : undefined;
    if (!match || !dataKey) throw new DeployliteError('secrets.undecryptable', 'the job\'s sealed secrets cannot be opened: their data key is gone');
    try {
      const plain = open(this.unwrap(dataKey), { nonce: Buffer.from(match[2] as string, 'base64'), ciphertext: Buffer.from(match[3] as string, 'base64') }, `deploylite:queued:v1:${aad}`);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      throw new DeployliteError('secrets.undecryptable', "the job's sealed secrets cannot be opened: they were changed or belong to another job");
    }
  }

  /**
   * After a new master key became current: a new data key wrapped under it, every secret
   * re-sealed under that (so every ciphertext changes), and every older data key re-wrapped
   * under the new master key, so the old master key can be retired while queued jobs sealed
   * under an older data key can still be opened. Reads keep working throughout, because every
   * row names the data key that opens it. A secret written meanwhile is already under the new
   * data key, so losing its reseal race is fine.
   */
  async rotate(): Promise<RotationReport> {
    const master = this.masterKeys.current();
    const fresh = await this.addDataKey();
    let resealed = 0;
    for (const old of await this.store.listDataKeys()) {
      if (old.id === fresh.id) continue;
      for (const record of await this.store.listSecretsByDataKey(old.id)) {
        const value = await this.decrypt(record);
        const sealed = seal(this.unwrap(fresh), Buffer.from(value, 'utf8'), secretAad(record.projectId, record.environment || null, record.name));
        const won = await this.store.resealSecret(record.id, record.updatedAt, {
          ciphertext: sealed.ciphertext.toString('base64'),
          nonce: sealed.nonce.toString('base64'),
          dataKeyId: fresh.id,
        });
        if (won) resealed++;
      }
    }
    let dataKeysRewrapped = 0;
    for (const old of await this.store.listDataKeys()) {
      if (old.masterKeyId === master.id) continue;
      const wrapped = seal(master.key, this.unwrap(old), dataKeyAad(master.id));
      await this.store.rewrapDataKey(old.id, wrapped.ciphertext.toString('base64'), wrapped.nonce.toString('base64'), master.id);
      dataKeysRewrapped++;
    }
    return { masterKeyId: master.id, dataKeyId: fresh.id, resealed, dataKeysRewrapped };
  }

  private async decrypt(record: SecretRecord): Promise<string> {
    const dataKey = await this.store.getDataKey(record.dataKeyId);
    if (!dataKey) throw new DeployliteError('secrets.key-missing', `the data key of secret ${record.name} is missing from the database`);
    try {
      const sealed = { ciphertext: Buffer.from(record.ciphertext, 'base64'), nonce: Buffer.from(record.nonce, 'base64') };
      return open(this.unwrap(dataKey), sealed, secretAad(record.projectId, record.environment || null, record.name)).toString('utf8');
    } catch (error) {
      if (error instanceof DeployliteError) throw error;
      throw new DeployliteError('secrets.undecryptable', `secret ${record.name} cannot be decrypted: it was changed in the database or sealed under another key`);
    }
  }

  private async currentDataKey(): Promise<DataKeyRecord> {
    const current = await this.store.currentDataKey();
    // A data key wrapped under a retired master key is replaced rather than used for new values.
    if (current && this.masterKeys.find(current.masterKeyId)) return current;
    return this.addDataKey();
  }

  private async addDataKey(): Promise<DataKeyRecord> {
    const master = this.masterKeys.current();
    const key = randomBytes(KEY_BYTES);
    // The AAD names the master key: a wrapped key cannot be passed off as wrapped by another.
    const sealed = seal(master.key, key, dataKeyAad(master.id));
    const record = await this.store.addDataKey({
      wrapped: sealed.ciphertext.toString('base64'),
      nonce: sealed.nonce.toString('base64'),
      masterKeyId: master.id,
      createdAt: this.clock.now(),
    });
    this.unwrapped.set(record.id, key);
    return record;
  }

  private unwrap(dataKey: DataKeyRecord): Buffer {
    const cached = this.unwrapped.get(dataKey.id);
    if (cached) return cached;
    const master = this.masterKeys.find(dataKey.masterKeyId);
    if (!master) {
      throw new DeployliteError(
        'secrets.master-key-missing',
        `data key ${dataKey.id} is wrapped under master key ${dataKey.masterKeyId}, which ${this.masterKeys.source} does not hold`,
      );
    }
    const key = open(master.key, { ciphertext: Buffer.from(dataKey.wrapped, 'base64'), nonce: Buffer.from(dataKey.nonce, 'base64') }, dataKeyAad(master.id));
    this.unwrapped.set(dataKey.id, key);
    return key;
  }
}

function secretAad(projectId: number, environment: string | null, name: string): string {
  return `deploylite:secret:v1:project=${projectId}:environment=${environment ?? ''}:name=${name}`;
}

function dataKeyAad(masterKeyId: string): string {
  return `deploylite:data-key:v1:master=${masterKeyId}`;
}

function describe(record: SecretRecord): SecretInfo {
  return {
    name: record.name,
    environment: record.environment === '' ? null : record.environment,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
  };
}
