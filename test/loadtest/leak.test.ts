// The leak verdict on a real worker: a task that keeps 100 KiB per call is flagged; the same
// allocation freed again is not. Each runs on a fresh worker (leaked memory lives in the pool children).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoadEnvironment, probeTask } from '../../src/loadtest/environment.js';
import { runLoadTest } from '../../src/loadtest/run.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';
import { celeryPython } from './helpers.js';

async function runProbe(probe: string): Promise<LoadTestResult> {
  const env = await startLoadEnvironment({ root: process.cwd(), python: await celeryPython(), workerConcurrency: 2 });
  try {
    const { task, args } = probeTask(probe);
    return await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 20 }, tasks: 1500, warmupTasks: 200, sampleIntervalMs: 200, thresholds: ['rss_growth<10%'] });
  } finally {
    await env.stop();
  }
}

test('a task that keeps 100 KiB per call is flagged as a leak', async () => {
  const r = await runProbe('leak:100');
  assert.equal(r.counts.succeeded, 1500);
  const m = r.memory!;
  assert.equal(m.verdict, 'leak', m.reason);
  // 100 KiB × 1,000 tasks ≈ 98 MiB per 1,000 (allocator overhead aside)
  assert.ok(m.per1kTasksBytes! > 80 * 1024 * 1024 && m.per1kTasksBytes! < 130 * 1024 * 1024, `slope ${m.per1kTasksBytes}`);
  assert.ok(m.growthPct! > 10, `growth ${m.growthPct}%`);
  assert.equal(r.passed, false, 'rss_growth<10% fails');
});

test('the same allocation freed after each call is not flagged', async () => {
  const r = await runProbe('allocate:100');
  assert.equal(r.counts.succeeded, 1500);
  const m = r.memory!;
  assert.equal(m.verdict, 'no-leak', m.reason);
  assert.ok(Math.abs(m.per1kTasksBytes!) < 1024 * 1024, `slope ${m.per1kTasksBytes}`);
  assert.equal(r.passed, true, JSON.stringify(r.thresholds));
});
