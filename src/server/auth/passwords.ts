import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

/**
 * scrypt is memory-hard (each guess needs N·r·128 bytes, 32 MiB here), so a stolen database
 * cannot be brute-forced on GPUs the way SHA-256 hashes can; it ships with Node, so no native
 * add-on has to build on every runner host. The parameters are stored with each hash, so
 * raising them later re-hashes users at their next login instead of locking them out.
 */
export interface PasswordCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** One of the equivalent minimum configurations in OWASP's Password Storage Cheat Sheet (N=2^15, r=8, p=3). */
export const DEFAULT_PASSWORD_COST: PasswordCost = { N: 2 ** 15, r: 8, p: 3 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** The longest password accepted: scrypt hashes any length, but a megabyte body should not cost a hash. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 12;

/** `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (!match) return false;
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const expected = Buffer.from(match[5] as string, 'base64url');
  const actual = await derive(password, Buffer.from(match[4] as string, 'base64url'), cost, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made with weaker parameters than `cost` and should be re-made. */
export function needsRehash(stored: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): boolean {
  const match = FORMAT.exec(stored);
  return !match || Number(match[1]) < cost.N || Number(match[2]) < cost.r || Number(match[3]) < cost.p;
}

/**
 * A hash of a password nobody has, verified against when the user does not exist, so that a
 * login for an unknown name takes as long as one for a known name (no user enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(32).toString('base64url'));
  return decoy;
}

function derive(password: string, salt: Buffer, cost: PasswordCost, length = KEY_LENGTH): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
