import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
// Deep imports: the artifacts index also holds the S3 store, whose SDK would weigh on every start of the CLI.
import { unpackArtifact } from '../../artifacts/pack/index.js';
import { verifyBlobSignature } from '../../artifacts/signing/index.js';
import { DeployliteError, formatBytes, UsageError } from '../../core/index.js';
import { EXIT } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { getRun, listArtifacts, openArtifact, openArtifactSbom, openSigningKey } from './api-calls.js';
import type { ApiClient } from './api-client.js';
import type { Artifact } from './api-schemas.js';
import type { GlobalFlags } from './command-support.js';
import { openClient, parseRunId, printJson } from './command-support.js';
import type { DeployctlContext } from './deployctl-context.js';
import { formatTime } from './format-run.js';
import { printable } from './printable.js';

export interface DownloadFlags extends GlobalFlags {
  /** Unpack into this directory; default `./<name>`. */
  readonly to?: string;
  /** Save the archive itself (and `<file>.sig`) instead of unpacking, for `cosign verify-blob`. */
  readonly archive?: string;
}

/** `deployctl artifacts list RUN`: name, job, files, size, digest and expiry of each artifact. */
export async function listArtifactsCommand(ctx: DeployctlContext, runIdText: string, flags: GlobalFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  const { value, raw } = await listArtifacts(openClient(ctx, flags), runId);
  if (flags.json) {
    printJson(ctx, raw);
    return EXIT.success;
  }
  if (value.artifacts.length === 0) {
    ctx.stdout.write(`run ${runId} has no artifacts\n`);
    return EXIT.success;
  }
  const rows = value.artifacts.map((a) => [printable(a.name), printable(a.job), String(a.files), formatBytes(a.size), printable(a.digest), a.expiresAt === null ? 'never' : formatTime(a.expiresAt)]);
  ctx.stdout.write(formatTable(['NAME', 'JOB', 'FILES', 'SIZE', 'DIGEST', 'EXPIRES'], rows));
  return EXIT.success;
}

/**
 * `deployctl artifacts download RUN NAME [--to DIR | --archive FILE]`: unpacks the artifact into DIR, every
 * file checked against the archive's manifest and nothing written outside DIR (see unpackArtifact), the
 * archive checked against the digest the server lists. With --archive the archive is saved as is, with
 * its signature beside it, for `cosign verify-blob`.
 */
export async function downloadArtifactCommand(ctx: DeployctlContext, runIdText: string, name: string, flags: DownloadFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  if (flags.to !== undefined && flags.archive !== undefined) throw new UsageError('use --to DIR or --archive FILE, not both');
  const client = openClient(ctx, flags);
  const artifact = await findArtifact(client, runId, name);
  const check = new DigestCheck(artifact.digest);
  const body = Readable.fromWeb((await openArtifact(client, runId, artifact.name, ctx.signal)) as never).pipe(check);
  if (flags.archive !== undefined) {
    const file = resolve(flags.archive);
    try {
      await pipeline(body, createWriteStream(file));
      check.verify(artifact.name);
    } catch (thrown) {
      await rm(file, { force: true });
      throw thrown;
    }
    await writeFile(`${file}.sig`, `${artifact.signature}\n`);
    ctx.stdout.write(`saved artifact ${artifact.name} of run ${runId} to ${file} (${artifact.digest}) and its signature to ${file}.sig\n`);
    return EXIT.success;
  }
  const dir = resolve(flags.to ?? artifact.name);
  await mkdir(dir, { recursive: true });
  const manifest = await unpackArtifact(body, dir, { signal: ctx.signal });
  check.verify(artifact.name);
  ctx.stdout.write(`downloaded artifact ${artifact.name} of run ${runId}: ${manifest.entries.length} files into ${dir} (${artifact.digest})\n`);
  return EXIT.success;
}

/**
 * `deployctl artifacts verify RUN NAME`: downloads the archive and its SBOM and checks each against its digest
 * and its signature with the project's public key (what `cosign verify-blob --key` checks). Exit 0 when both
 * hold, 1 with the reason otherwise.
 */
export async function verifyArtifactCommand(ctx: DeployctlContext, runIdText: string, name: string, flags: GlobalFlags): Promise<number> {
  const runId = parseRunId(runIdText);
  const client = openClient(ctx, flags);
  const run = (await getRun(client, runId)).value;
  const artifact = await findArtifact(client, runId, name);
  const publicKeyPem = await streamText(await openSigningKey(client, run.project, ctx.signal));
  const archive = Readable.fromWeb((await openArtifact(client, runId, artifact.name, ctx.signal)) as never);
  await verifyBlobSignature({ publicKeyPem, signatureBase64: artifact.signature, blob: archive, expectedDigest: artifact.digest as `sha256:${string}` });
  const sbom = Readable.fromWeb((await openArtifactSbom(client, runId, artifact.name, ctx.signal)) as never);
  await verifyBlobSignature({ publicKeyPem, signatureBase64: artifact.sbomSignature, blob: sbom, expectedDigest: artifact.sbomDigest as `sha256:${string}` });
  ctx.stdout.write(`Verified OK: artifact ${artifact.name} of run ${runId} (${artifact.digest}) and its SBOM (${artifact.sbomDigest}) are signed by project ${run.project}'s key\n`);
  return EXIT.success;
}

async function findArtifact(client: ApiClient, runId: number, name: string): Promise<Artifact> {
  const { artifacts } = (await listArtifacts(client, runId)).value;
  const artifact = artifacts.find((a) => a.name === name);
  if (!artifact) {
    const names = artifacts.map((a) => a.name);
    throw new UsageError(`run ${runId} has no artifact "${printable(name)}" (artifacts: ${names.length > 0 ? names.join(', ') : 'none'})`);
  }
  return artifact;
}

async function streamText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** Hashes a download as it passes; `verify` after the end says whether it was the listed digest. */
class DigestCheck extends Transform {
  private readonly hash = createHash('sha256');

  constructor(private readonly expected: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  verify(name: string): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expected) throw new DeployliteError('artifact.corrupted', `artifact ${name} arrived as ${actual}, not the listed ${this.expected}: discarded`);
  }
}
