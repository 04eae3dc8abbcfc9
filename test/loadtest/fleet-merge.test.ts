// `load-test merge` of fleet sections, without a broker: the simulated fleet of fleet-stats.test.ts
// (c@x slow and leaking) measured by two producers, each publishing every other task and hearing
// every event, merged; against one producer that published all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetCollector, type FleetSection } from '../../src/loadtest/fleet-stats.js';
import { mergeFleetSections } from '../../src/loadtest/fleet-merge.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';
import type { ShardFacts } from '../../src/loadtest/shard.js';
import type { WorkerFacts } from '../../src/runtime/fleet.js';

const facts = (name: string): WorkerFacts => ({ name, celery: '5.7.0', kombu: '5.7.0', python: '3.12.1', platform: null, pool: 'prefork', concurrency: 2, prefetchCount: 8, processes: [], maxTasksPerChild: null, mainPeakRssBytes: null, registered: [] });
const T0 = 1_800_000_000_000;
const NAMES = ['a@x', 'b@x', 'c@x'];

/** producers[k] publishes the tasks i with i % producers.length === k and reads their results and its own RSS probes */
function simulate(producers: FleetCollector[]): void {
  const run: Record<string, number> = { 'a@x': 8, 'b@x': 8, 'c@x': 40 };
  for (let i = 0; i < 1200; i++) {
    const w = NAMES[i % 3]!;
    const own = producers[i % producers.length]!;
    const pub = T0 + i * 5;
    const id = `task-${i}`;
    const start = pub + 5 + (i % 7);
    const end = start + run[w]! + (i % 5);
    own.onPublished(id, pub);
    const ev = (type: string, at: number, extra: Record<string, unknown> = {}) => ({ type, uuid: id, hostname: w, timestamp: at / 1000, pid: 1, heardAtMs: at + 1, ...extra });
    for (const p of producers) {
      p.onEvent(ev('task-received', pub + 3));
      p.onEvent(ev('task-started', start));
      p.onEvent({ ...ev('task-succeeded', end), runtime: (end - start) / 1000 });
    }
    own.onFinished(id, end + 1);
    // RSS probes: each producer sweeps on its own schedule; c's pool processes grow 200 KiB per task it ran
    if (i % 20 === 0) {
      const sweeper = producers[(i / 20) % producers.length]!;
      for (const n of NAMES) for (const pid of [1, 2]) sweeper.onRss({ hostname: n, pid, rss: 40 * 1024 * 1024 + (n === 'c@x' ? Math.floor(i / 3) * 100 * 1024 : 0), atMs: end + 2 });
    }
  }
}

const build = (c: FleetCollector): FleetSection => c.build({ queue: 'q', facts: NAMES.map(facts), otherWorkers: [], memoryMeasured: true, runStartMs: T0,
  events: { enabledByJobctl: [], alreadyOn: [], unavailable: [], restored: [], restoreFailed: [], heard: 0 } });
const shard = (index: number, fleet: FleetSection | undefined) => ({ startedAt: new Date(T0).toISOString(), shard: { runId: 'r', index, count: 2, producer: { host: 'h' } } as unknown as ShardFacts, ...(fleet ? { fleet } : {}) }) as unknown as LoadTestResult & { shard: ShardFacts };

test('merged fleet sections: per-worker counts and run-time histograms equal one producer\'s; SLOW and LEAK judged on the whole', () => {
  const one = new FleetCollector();
  simulate([one]);
  const whole = build(one);
  const p1 = new FleetCollector();
  const p2 = new FleetCollector();
  simulate([p1, p2]);
  const { fleet, problem } = mergeFleetSections([shard(1, build(p1)), shard(2, build(p2))]);
  assert.equal(problem, null);
  for (const w of whole.workers) {
    const m = fleet!.workers.find((x) => x.name === w.name)!;
    assert.equal(m.tasks, w.tasks, w.name);
    assert.equal(m.sharePct, w.sharePct, w.name);
    // added histograms: the same percentiles, mean, min and max as the one producer's
    // (the encodings differ only in their header; the figures are compared)
    assert.deepEqual({ ...m.runtime, histogram: '' }, { ...w.runtime, histogram: '' }, w.name);
    assert.deepEqual({ ...m.workerWait, histogram: '' }, { ...w.workerWait, histogram: '' }, w.name);
    assert.deepEqual(m.flags, w.flags, `${w.name}: ${m.why.join('; ')}`);
    assert.equal(m.clockOffsets!.length, 2);
  }
  assert.deepEqual(fleet!.workers.find((x) => x.name === 'c@x')!.flags, ['slow', 'leak']);
  assert.equal(fleet!.runtime.count, 1200);
  assert.equal(fleet!.unattributed, 0);
  // the merged RSS series has every producer's sweeps
  const mem = fleet!.workers.find((x) => x.name === 'c@x')!.memory!;
  const wholeMem = whole.workers.find((x) => x.name === 'c@x')!.memory!;
  // (a producer's first report before all of a worker's processes were seen is not one of its samples: one per extra producer)
  assert.equal(mem.samples.length, wholeMem.samples.length - 1);
  assert.ok(Math.abs(mem.per1kTasksBytes! - wholeMem.per1kTasksBytes!) < 0.02 * wholeMem.per1kTasksBytes!, `${mem.per1kTasksBytes} vs ${wholeMem.per1kTasksBytes}`);
  assert.deepEqual(mem.processes.map((p) => [p.pid, p.samples]), [[1, 60], [2, 60]]);
});

test('merge refuses fleet and non-fleet producers of one run, and producers on different queues', () => {
  const p = new FleetCollector();
  simulate([p]);
  const s = build(p);
  assert.match(mergeFleetSections([shard(1, s), shard(2, undefined)]).problem!, /only shard\(s\) 1 ran with --fleet/);
  assert.match(mergeFleetSections([shard(1, s), shard(2, { ...s, queue: 'other' })]).problem!, /different queues \(q, other\)/);
  assert.equal(mergeFleetSections([shard(1, undefined), shard(2, undefined)]).fleet, null);
});
