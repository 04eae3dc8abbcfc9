// Real load against a real Celery worker (Celery from PyPI in a venv, prefork pool) on jobctl's own
// redis-server: counts add up, percentiles are plausible against the known sleep, failures are
// counted by exception type, open loop measures from the intended send time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoadEnvironment, probeTask, type LoadEnvironment } from '../../src/loadtest/environment.js';
import { runLoadTest } from '../../src/loadtest/run.js';
import { celeryPython } from './helpers.js';

let env: LoadEnvironment;
const WORKER_PROCS = 8;

before(async () => {
  const python = await celeryPython();
  env = await startLoadEnvironment({ root: process.cwd(), python, workerConcurrency: WORKER_PROCS });
});

after(async () => {
  await env?.stop();
});

test('2,000 sleep(20 ms) tasks, 50 in flight: counts add up and latencies fit the sleep', async () => {
  const { task, args } = probeTask('sleep:20');
  const r = await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 50 }, tasks: 2000, thresholds: ['lost==0', 'errors==0', 'runtime.p50>=20ms'] });
  const c = r.counts;
  assert.equal(c.published, 2000);
  assert.equal(c.published, c.succeeded + c.failed + c.lost + c.unfinished, 'published = succeeded + failed + lost');
  assert.equal(c.lost, 0);
  assert.equal(c.failed, 0);
  assert.equal(r.latency.e2e.count, 2000, 'one end-to-end sample per finished task');
  assert.ok(r.latency.runtime.count >= 1990, `timing from the probe for (nearly) every task: ${r.latency.runtime.count}`);
  // the task sleeps 20 ms: nothing can finish faster, and a prefork child adds only a little
  assert.ok(r.latency.runtime.p50 >= 20, `runtime p50 ${r.latency.runtime.p50} >= 20 ms`);
  assert.ok(r.latency.runtime.p50 < 60, `runtime p50 ${r.latency.runtime.p50} < 60 ms`);
  assert.ok(r.latency.e2e.p50 >= 20, `e2e p50 ${r.latency.e2e.p50} >= 20 ms`);
  assert.ok(r.latency.e2e.p50 >= r.latency.runtime.p50, 'end-to-end includes the run time');
  assert.ok(r.latency.e2e.p99 >= r.latency.e2e.p50 && r.latency.e2e.max >= r.latency.e2e.p99);
  // 8 processes sleeping 20 ms cannot complete more than 400 tasks/s
  assert.ok(r.throughput.completedPerSec > 0 && r.throughput.completedPerSec <= WORKER_PROCS * 1000 / 20, `throughput ${r.throughput.completedPerSec}/s`);
  // Little's law, loosely: in flight ≈ throughput × mean e2e
  const inFlight = (r.throughput.completedPerSec * r.latency.e2e.mean) / 1000;
  assert.ok(inFlight > 25 && inFlight < 60, `Little's law: ${inFlight.toFixed(1)} in flight for 50`);
  assert.ok(r.timeline.length >= 2, 'a timeline point per second');
  assert.equal(r.timeline.reduce((a, p) => a + p.completed, 0), 2000, 'the timeline accounts for every completion');
  assert.ok(r.queueDepth.max !== null && r.queueDepth.max > 0, 'the queue backed up at 50 in flight');
  assert.ok(r.memory && r.memory.samples.length >= 3 && r.memory.startBytes! > 20 * 1024 * 1024, 'worker tree RSS sampled');
  assert.ok(Object.keys(r.memory.samples.at(-1)!.perPid).length >= WORKER_PROCS + 1, 'main process and every pool child sampled');
  assert.ok(r.cpu.workerMs !== null && r.cpu.workerMs > 0);
  assert.equal(r.passed, true, JSON.stringify(r.thresholds));
  assert.ok(JSON.parse(JSON.stringify(r)), 'serialisable');
});

test('failing tasks are counted by exception type and fail an errors threshold', async () => {
  const { task, args } = probeTask('fail');
  const r = await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 20 }, tasks: 150, thresholds: ['errors<2%'] });
  assert.equal(r.counts.published, 150);
  assert.equal(r.counts.failed, 150);
  assert.equal(r.counts.succeeded, 0);
  assert.deepEqual(r.errorTypes, { ValueError: 150 });
  assert.equal(r.thresholds[0]!.actual, 100);
  assert.equal(r.passed, false);
});

test('an unknown task name fails as NotRegistered, not as lost', async () => {
  const r = await runLoadTest(env.target, { task: 'jobctl_loadprobe.does_not_exist', shape: { mode: 'closed', concurrency: 5 }, tasks: 10, drainTimeoutMs: 5000 });
  assert.equal(r.counts.failed, 10);
  assert.deepEqual(r.errorTypes, { NotRegistered: 10 });
  assert.equal(r.counts.lost, 0);
});

test('open loop: a fixed arrival rate, measured from the intended send time', async () => {
  const { task, args } = probeTask('sleep:5');
  const r = await runLoadTest(env.target, { task, args, shape: { mode: 'open', ratePerSec: 100 }, durationMs: 2000 });
  assert.equal(r.mode, 'open');
  assert.ok(r.counts.published >= 195 && r.counts.published <= 200, `~200 published at 100/s for 2 s: ${r.counts.published}`);
  assert.equal(r.counts.published, r.counts.succeeded + r.counts.failed + r.counts.lost);
  assert.ok(r.latency.e2e.p50 >= 5, 'a 5 ms task takes at least 5 ms end to end');
  assert.ok(r.throughput.publishedPerSec > 60 && r.throughput.publishedPerSec <= 110, `publish rate ${r.throughput.publishedPerSec}/s`);
  assert.match(r.latencyBasis, /intended send time/);
});

test('asyncio.run() inside a sync task works in the prefork pool (no event loop to conflict with)', async () => {
  const { task, args } = probeTask('asyncio:5');
  const r = await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 10 }, tasks: 100 });
  assert.deepEqual(r.errorTypes, {});
  assert.equal(r.counts.succeeded, 100);
  assert.ok(r.latency.runtime.p50 >= 5, `runtime p50 ${r.latency.runtime.p50} >= the 5 ms asyncio.sleep`);
});

// last in this file: it leaves slow tasks running on the shared worker
test('tasks with no result by the end of the drain are lost, and fail lost==0', async () => {
  const { task, args } = probeTask('sleep:3000');
  const r = await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 4 }, tasks: 4, taskTimeoutMs: 200, drainTimeoutMs: 600 });
  assert.equal(r.counts.published, 4);
  assert.equal(r.counts.lost, 4, JSON.stringify(r.counts));
  assert.equal(r.counts.timedOut, 4);
  assert.equal(r.counts.published, r.counts.succeeded + r.counts.failed + r.counts.lost + r.counts.unfinished);
  assert.equal(r.thresholds.find((t) => t.metric === 'lost')!.pass, false);
  assert.equal(r.passed, false);
});
