import { compilePipeline } from '../../../../src/pipeline/index.js';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExecutor } from '../../../../src/executors/index.js';
import type { JobAssignment } from '../../../../src/protocol/index.js';
import type { RunnerAgent, RunnerAgentOptions, RunnerLogger } from '../../../../src/runner/index.js';
import { createRunnerAgent } from '../../../../src/runner/index.js';
import { dedent } from '../../../support/dedent.js';
import type { ProtocolStubOptions } from './protocol-stub.js';
import { ProtocolStub } from './protocol-stub.js';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

export class RecordingLogger implements RunnerLogger {
  readonly entries: LogEntry[] = [];
  info(message: string, fields?: Readonly<Record<string, unknown>>) {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Readonly<Record<string, unknown>>) {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Readonly<Record<string, unknown>>) {
    this.entries.push({ level: 'error', message, fields });
  }
  /** Everything logged, fields included, as one text to search. */
  text(): string {
    return this.entries.map((e) => `${e.level} ${e.message} ${JSON.stringify(e.fields ?? {})}`).join('\n');
  }
}

export interface RunnerFixture {
  readonly stub: ProtocolStub;
  readonly logger: RecordingLogger;
  /** A scratch directory of the test, removed afterwards. */
  readonly dir: string;
  readonly workRoot: string;
  /** Creates (not starts) an agent talking to the stub; fast polls and flushes. */
  createAgent(overrides?: Partial<RunnerAgentOptions>): RunnerAgent;
  /** Creates and starts an agent; `stopped` settles when start() does. */
  startAgent(overrides?: Partial<RunnerAgentOptions>): { agent: RunnerAgent; stopped: Promise<void> };
}

/** Runs `body` against a fresh protocol stub; stops every agent it started and removes its files. */
export async function withRunner(body: (fixture: RunnerFixture) => Promise<void>, stubOptions: ProtocolStubOptions = {}): Promise<void> {
  const stub = await ProtocolStub.start(stubOptions);
  const dir = await mkdtemp(join(tmpdir(), 'deploylite-runner-test-'));
  const workRoot = join(dir, 'work');
  const logger = new RecordingLogger();
  const executor = createLocalExecutor({ tempRoot: dir, killGraceMs: 300 });
  const agents: { agent: RunnerAgent; stopped: Promise<void> }[] = [];
  const createAgent = (overrides: Partial<RunnerAgentOptions> = {}) =>
    createRunnerAgent({
      serverUrl: stub.url,
      registration: { runnerToken: stub.runnerToken },
      name: 'test-runner',
      labels: ['linux'],
      capacity: 2,
      version: '0.0.0-test',
      executor,
      workRoot,
      logger,
      pollWaitMs: 200,
      logFlushMs: 20,
      cancelWaitMs: 2000,
      ...overrides,
    });
  const startAgent = (overrides: Partial<RunnerAgentOptions> = {}) => {
    const agent = createAgent(overrides);
    const started = { agent, stopped: agent.start() };
    started.stopped.catch(() => {});
    agents.push(started);
    return started;
  };
  try {
    await body({ stub, logger, dir, workRoot, createAgent, startAgent });
  } finally {
    for (const { agent } of agents) await agent.stop('cancel');
    await stub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** An assignment of `jobId` from an inline pipeline, running in an empty directory unless overridden. */
export function assignmentOf(yaml: string, overrides: Partial<Omit<JobAssignment, 'leaseId'>> = {}): Omit<JobAssignment, 'leaseId'> {
  const jobId = overrides.jobId ?? 'build';
  const compiled = compilePipeline(dedent(yaml), 'deploylite.yml').pipeline;
  const job = compiled?.jobs.find((j) => j.id === jobId) ?? compiled?.jobs[0];
  return {
    runId: 1,
    jobKey: jobId,
    jobId,
    name: jobId,
    matrixIndex: null,
    matrix: null,
    pipeline: { file: 'deploylite.yml' },
    // As the server sends it: the compiled job, through JSON.
    job: JSON.parse(JSON.stringify(job ?? {})) as Record<string, unknown>,
    contexts: {},
    env: { CI: 'true' },
    retry: null,
    timeoutMs: null,
    checkout: null,
    mask: [],
    ...overrides,
  };
}

/** A git repository in `dir` with one commit holding `files`; returns its path and the commit's sha. */
export async function createRepository(dir: string, files: Record<string, string>): Promise<{ path: string; sha: string }> {
  const path = join(dir, 'origin');
  execFileSync('git', ['init', '--quiet', path]);
  for (const [name, content] of Object.entries(files)) await writeFile(join(path, name), content);
  execFileSync('git', ['-C', path, 'add', '.']);
  execFileSync('git', ['-C', path, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', 'first']);
  const sha = execFileSync('git', ['-C', path, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  return { path, sha };
}
