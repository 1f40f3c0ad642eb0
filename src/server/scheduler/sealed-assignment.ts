import type { JobAssignment } from '../../protocol/index.js';
import type { QueuedAssignment } from './scheduler.js';

/** Seals and opens values for one queued job (the SecretVault). */
export interface AssignmentSealer {
  seal(value: unknown, aad: string): Promise<string>;
  open(text: string, aad: string): Promise<unknown>;
}

/** A queued assignment as stored: what may hold secret values is sealed in `sealed`. */
export type StoredAssignment = QueuedAssignment & { readonly sealed?: string };

interface SensitiveParts {
  readonly env: Record<string, string>;
  readonly secrets: Record<string, string>;
}

/**
 * Takes the job's secrets and its env (interpolated with them on the server) out of an
 * assignment and seals them, so the job queue — a table backups copy and operators query —
 * never holds a secret in the clear. They are opened only to hand the job to its runner.
 */
export async function sealAssignment(assignment: QueuedAssignment, sealer: AssignmentSealer): Promise<StoredAssignment> {
  const { secrets, ...contexts } = assignment.contexts;
  const sensitive: SensitiveParts = { env: assignment.env, secrets: stringRecord(secrets) };
  return { ...assignment, env: {}, contexts, mask: [], sealed: await sealer.seal(sensitive, aadOf(assignment)) };
}

/** The assignment as its runner gets it: env, secrets, and the secret values to mask. */
export async function openAssignment(stored: StoredAssignment & { readonly leaseId: string }, sealer: AssignmentSealer): Promise<JobAssignment> {
  const { sealed, ...assignment } = stored;
  if (sealed === undefined) return assignment;
  const { env, secrets } = (await sealer.open(sealed, aadOf(stored))) as SensitiveParts;
  return { ...assignment, env, contexts: { ...assignment.contexts, secrets }, mask: Object.values(secrets) };
}

function aadOf(assignment: Pick<QueuedAssignment, 'runId' | 'jobKey'>): string {
  return `run=${assignment.runId}:job=${assignment.jobKey}`;
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
