import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePipeline } from '../../../src/pipeline/index.js';

/** A layered 1,000-job pipeline like bench/validate.mjs writes: 50 jobs per layer, each needing up to 3 of the layer before. */
function thousandJobs(): string {
  const lines = ['name: big', 'jobs:'];
  for (let i = 0; i < 1000; i++) {
    lines.push(`  job${i}:`);
    if (i >= 50) lines.push(`    needs: [job${i - 50}, job${i - 50 + ((i * 7) % 50)}]`);
    lines.push('    steps:', `      - run: echo "\${{ matrix.os }} ${i}"`);
  }
  return `${lines.join('\n')}\n`;
}

test('a 1,000-job pipeline compiles well within the validate budget', () => {
  const source = thousandJobs();
  const timings: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    const { pipeline } = compilePipeline(source, 'big.yml');
    timings.push(performance.now() - started);
    assert.equal(pipeline?.jobs.length, 1000);
  }
  // The best of five rounds, so a busy machine does not fail the test; the first round
  // includes the JIT warming up, which `deploylite validate` pays once per process.
  assert.ok(Math.min(...timings) < 150, `best of 5 rounds: ${Math.min(...timings).toFixed(0)} ms`);
});
