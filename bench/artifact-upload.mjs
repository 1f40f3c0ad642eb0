// A job artifact through the real server, as a runner sends it (src/protocol/artifact-protocol.ts), side by side
// with the disk alone in the same run:
//   upload   PUT of the archive into the server's staging file (the bytes cross HTTP once, are hashed and signed
//            as they are written, fsynced)
//   commit   the server checks the SHA-256 and ECDSA signature it computed while the bytes arrived against the
//            announced digest, reads the manifest (the archive's first entry), builds the SBOM, moves the staged
//            file into the disk blob store (fsync, rename: no copy) and signs the SBOM
//   raw      the same PUT, sent the same way, to a bare node:http server that pipes the body to a file with the
//            same fsync (bench/lib/blob-upload-server.mjs, PUT /raw): no hashing, no signing, no database; what
//            Node's HTTP and the disk allow on this machine, and so the ceiling for the server's path
//   cp       `cp` of the same archive to a new file, then `sync` of it: the disk's own copy speed
// A real `deploylite server` (SQLite, disk blob store) holds the leases: one run with one job per round, claimed
// by this script with a runner token (no runner process), so only the artifact path is measured. The server's
// RSS is read from /proc before and after each round (peak over the round: VmHWM). MB = 10^6 bytes.
//
//   node bench/artifact-upload.mjs [--size-mb 1000] [--rounds 3]
import { createReadStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createProject, startServer, triggerRun } from './lib/control-plane.mjs';
import { scratchDir, removeDir } from './lib/deploylite.mjs';
import { createJsonClient } from './lib/http-json.mjs';
import { machineInfo } from './lib/machine-info.mjs';
import { median, spread } from './lib/stats.mjs';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } } });
const size = Number(values['size-mb']) * 1e6;
const rounds = Number(values.rounds);
const dir = scratchDir('artifact-upload');

mkdirSync(join(dir, 'raw'), { recursive: true });
const rawServer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/blob-upload-server.mjs', import.meta.url)), join(dir, 'raw')], { stdio: ['ignore', 'pipe', 'inherit'] });
const rawUrl = `http://127.0.0.1:${Number(String((await once(rawServer.stdout, 'data'))[0]).trim())}/raw`;
// As the runner sends an archive (src/runner/artifact-files.ts): fetch with a web stream of 1 MiB file chunks.
const putFile = (url, path, headers = {}) =>
  globalThis.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...headers }, body: Readable.toWeb(createReadStream(path, { highWaterMark: 1024 * 1024 })), duplex: 'half' });

const server = await startServer({ dataDir: join(dir, 'server'), env: { DEPLOYLITE_LEASE_TTL: '30m', DEPLOYLITE_LOG_LEVEL: 'warn' } });
const client = createJsonClient(server.url);
const jobs = Array.from({ length: rounds }, (_, i) => `  j${i}:\n    steps: [{ run: "true" }]\n`).join('');
await createProject(client, server.token, { name: 'bench', dir: join(dir, 'repo'), pipeline: `jobs:\n${jobs}` });
const registration = (await client.json('POST', '/api/v1/tokens', server.token, { name: 'bench-reg', kind: 'runner-registration' }, 201)).token;
const runnerToken = (await client.json('POST', '/api/v1/runners/register', registration, { name: 'bench', labels: [], capacity: rounds, version: 'bench' }, 201)).token;
await triggerRun(client, server.token, 'bench');
const leases = [];
while (leases.length < rounds) {
  const polled = await client.json('POST', '/api/v1/runner/poll', runnerToken, { free: rounds - leases.length, running: leases, waitMs: 5000 }, 200);
  leases.push(...polled.jobs.map((job) => job.leaseId));
}

// The archive: a tar whose manifest lists one file, packed by DeployLite's own code (dist/ has no library entry).
const { collectArtifactFiles, writeArtifactArchive } = await import('../src/artifacts/pack/index.ts').catch(() => {
  throw new Error('run with `node --import tsx bench/artifact-upload.mjs` (the packer is TypeScript)');
});

// CPU seconds (user + system) a process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks (100 a second).
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const rssKb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0);
const results = { upload: [], commit: [], total: [], raw: [], cp: [], rssGrowthMb: [], serverCpu: [], clientCpu: [], rawServerCpu: [], rawClientCpu: [] };
const base = `${server.url}/api/v1/runner/leases`;
for (let round = 0; round < rounds; round++) {
  const work = join(dir, `round-${round}`);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'seed'), String(round)); // each round's bytes differ: nothing is deduplicated
  spawnSync('sh', ['-c', `head -c ${size} /dev/urandom > ${join(work, 'big.bin')}`]);
  const archive = join(dir, `round-${round}.tar`);
  const { digest, size: archiveSize } = await writeArtifactArchive(work, await collectArtifactFiles(work, ['big.bin', 'seed']), archive);
  const lease = leases[round];
  const before = rssKb('VmRSS');
  const [serverCpuBefore, clientCpuBefore] = [cpuSeconds(server.pid), ownCpuSeconds()];
  const started = performance.now();
  const { uploadId } = await client.json('POST', `/api/v1/runner/leases/${lease}/artifacts`, runnerToken, { name: `a${round}`, digest, size: archiveSize }, 200);
  const put = await putFile(`${base}/${lease}/artifacts/uploads/${uploadId}?offset=0`, archive, { authorization: `Bearer ${runnerToken}` });
  if (!put.ok) throw new Error(`upload: ${put.status} ${await put.text()}`);
  const uploaded = performance.now();
  const committed = await client.json('POST', `/api/v1/runner/leases/${lease}/artifacts/uploads/${uploadId}/commit`, runnerToken, {}, 200);
  const done = performance.now();
  if (committed.digest !== digest) throw new Error('committed a different digest');
  results.rssGrowthMb.push((rssKb('VmHWM') - before) / 1e3);
  results.serverCpu.push((cpuSeconds(server.pid) - serverCpuBefore) / (archiveSize / 1e9));
  results.clientCpu.push((ownCpuSeconds() - clientCpuBefore) / (archiveSize / 1e9));
  results.upload.push(archiveSize / 1e6 / ((uploaded - started) / 1e3));
  results.commit.push(archiveSize / 1e6 / ((done - uploaded) / 1e3));
  results.total.push(archiveSize / 1e6 / ((done - started) / 1e3));
  const [rawServerCpuBefore, rawClientCpuBefore] = [cpuSeconds(rawServer.pid), ownCpuSeconds()];
  const rawStart = performance.now();
  const raw = await putFile(rawUrl, archive);
  if (!raw.ok) throw new Error(`raw upload: ${raw.status} ${await raw.text()}`);
  results.raw.push(archiveSize / 1e6 / ((performance.now() - rawStart) / 1e3));
  results.rawServerCpu.push((cpuSeconds(rawServer.pid) - rawServerCpuBefore) / (archiveSize / 1e9));
  results.rawClientCpu.push((ownCpuSeconds() - rawClientCpuBefore) / (archiveSize / 1e9));
  rmSync(join(dir, 'raw', 'raw-upload'), { force: true });
  const cpStart = performance.now();
  spawnSync('sh', ['-c', `cp ${archive} ${archive}.copy && sync ${archive}.copy`]);
  results.cp.push(statSync(archive).size / 1e6 / ((performance.now() - cpStart) / 1e3));
  rmSync(work, { recursive: true, force: true });
  rmSync(`${archive}.copy`, { force: true });
  rmSync(archive, { force: true });
  console.error(`round ${round}: server CPU ${results.serverCpu.at(-1).toFixed(2)} s/GB, upload ${results.upload.at(-1).toFixed(0)} MB/s, commit ${results.commit.at(-1).toFixed(0)} MB/s, total ${results.total.at(-1).toFixed(0)} MB/s, raw ${results.raw.at(-1).toFixed(0)} MB/s, cp ${results.cp.at(-1).toFixed(0)} MB/s, RSS peak +${results.rssGrowthMb.at(-1).toFixed(1)} MB`);
}
await server.stop();
rawServer.kill();
client.close();
removeDir(dir);

const show = (list, digits = 0) => {
  const { min, max } = spread(list);
  return `${median(list).toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
};
const machine = machineInfo();
console.log(`\n${machine.date}: ${machine.nproc} cores ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.commit}; ${values['size-mb']} MB artifact, ${rounds} rounds\n`);
console.log('| path | MB/s, median (min–max) | CPU s per GB: server + client | server RSS peak growth |');
console.log('|---|---|---|---|');
console.log(`| artifact upload + commit, end to end | ${show(results.total)} | ${show(results.serverCpu, 2)} + ${show(results.clientCpu, 2)} | ${show(results.rssGrowthMb, 1)} MB |`);
console.log(`| … the upload (PUT into staging, hashed and signed as written, fsync) | ${show(results.upload)} | | |`);
console.log(`| … the commit (digest check, manifest, SBOM, rename into the blob store) | ${show(results.commit)} | | |`);
console.log(`| reference: the same PUT to a bare node:http server, piped to a file + fsync | ${show(results.raw)} | ${show(results.rawServerCpu, 2)} + ${show(results.rawClientCpu, 2)} | |`);
console.log(`| reference: \`cp\` + \`sync\` of the archive | ${show(results.cp)} | | |`);
