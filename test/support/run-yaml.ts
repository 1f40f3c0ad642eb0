import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/index.js';
import { formatDiagnostic } from '../../src/core/index.js';
import type { EngineEvent, Executor, JobFiles, JobRecord, RunResult, RunStore } from '../../src/engine/index.js';
import { runPipeline } from '../../src/engine/index.js';
import { FakeExecutor } from '../../src/executors/fake/index.js';
import { compilePipeline } from '../../src/pipeline/index.js';
import { SqliteRunStore } from '../../src/store/index.js';
import { dedent } from './dedent.js';

export interface RunYamlOptions {
  readonly executor?: Executor;
  readonly files?: JobFiles;
  readonly store?: RunStore;
  readonly clock?: Clock;
  readonly parallel?: number;
  readonly jobFilter?: string[];
  readonly secrets?: Record<string, string>;
  readonly vars?: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly resume?: RunResult['run'];
  readonly onEvent?: (event: EngineEvent) => void;
}

export interface RanPipeline extends RunResult {
  /** The single instance of a job without a matrix. */
  job(id: string): JobRecord;
  /** All instances of a (matrix) job, in matrix order. */
  instances(id: string): JobRecord[];
  /** Every stored log line of a job's instances, in order. */
  log(id: string): Promise<string[]>;
  readonly executor: Executor;
  readonly store: RunStore;
}

/** Compiles inline YAML and runs it on the fake executor with an in-memory store. */
export async function runYaml(yaml: string, options: RunYamlOptions = {}): Promise<RanPipeline> {
  const source = dedent(yaml);
  const { pipeline, diagnostics } = compilePipeline(source, 'test.yml');
  assert.ok(pipeline, diagnostics.map(formatDiagnostic).join('\n'));
  const store = options.store ?? new SqliteRunStore(':memory:');
  const executor = options.executor ?? new FakeExecutor();
  const result = await runPipeline({
    pipeline,
    source,
    store,
    jobs: { executor, ...(options.files ? { files: options.files } : {}) },
    workspaceDir: process.cwd(),
    parallel: options.parallel ?? 4,
    ...(options.jobFilter ? { jobFilter: options.jobFilter } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
    ...(options.onEvent ? { observer: options.onEvent } : {}),
  });
  const instances = (id: string) => result.jobs.filter((j) => j.jobId === id);
  return {
    ...result,
    executor,
    store,
    instances,
    job(id) {
      const found = instances(id);
      assert.equal(found.length, 1, `expected one instance of ${id}, found ${found.length}`);
      return found[0] as JobRecord;
    },
    async log(id) {
      return (await store.readLogs(result.run.id, id)).map((l) => l.text);
    },
  };
}

/** A clock whose sleeps return at once and are recorded (retry backoff tests). */
export function recordingClock(): Clock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
    },
  };
}
