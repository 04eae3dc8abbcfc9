// The per-worker figures from events alone (no broker): a worker whose clock is 5 s ahead still gets
// the right queue wait (its offset is bounded from the run itself), the slow and the leaking
// worker are flagged, the others are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetCollector } from '../../src/loadtest/fleet-stats.js';
import { decodeEventPayload } from '../../src/runtime/events.js';
import type { WorkerFacts } from '../../src/runtime/fleet.js';

const facts = (name: string): WorkerFacts => ({ name, celery: '5.7.0', kombu: '5.7.0', python: '3.12.1', platform: null, pool: 'prefork', concurrency: 2, prefetchCount: 8, processes: [], maxTasksPerChild: null, mainPeakRssBytes: null, registered: [] });

function simulate(): FleetCollector {
  const c = new FleetCollector();
  const skew: Record<string, number> = { 'a@x': 0, 'b@x': 5000, 'c@x': -250 };
  const run: Record<string, number> = { 'a@x': 8, 'b@x': 8, 'c@x': 40 };
  const names = Object.keys(skew);
  const t0 = 1_800_000_000_000;
  for (let i = 0; i < 900; i++) {
    const w = names[i % 3]!;
    const pub = t0 + i * 5;
    const id = `task-${i}`;
    const recv = pub + 3 + (i % 7); // true times, producer clock
    const start = recv + 2;
    const end = start + run[w]!;
    c.onPublished(id, pub);
    const ev = (type: string, at: number, extra: Record<string, unknown> = {}) => ({ type, uuid: id, hostname: w, timestamp: (at + skew[w]!) / 1000, pid: 1, heardAtMs: at + 1 + (i % 3), ...extra });
    c.onEvent(ev('task-received', recv));
    c.onEvent(ev('task-started', start));
    c.onEvent({ ...ev('task-succeeded', end), runtime: run[w]! / 1000 });
    c.onFinished(id, end + 1);
    // the RSS probe: c's two pool processes grow by 200 KiB per task they run, the others stay flat
    if (i % 30 === 0) {
      for (const [k, pid] of names.flatMap((n) => [[n, 1], [n, 2]] as const)) {
        const grown = k === 'c@x' ? Math.floor(i / 3) * 100 * 1024 : 0;
        c.onRss({ hostname: k, pid, rss: 40 * 1024 * 1024 + grown, atMs: end + 2 });
      }
    }
  }
  return c;
}

test('queue wait is corrected by a clock offset bounded from the run; slow and leaking workers stand out', () => {
  const s = simulate().build({ queue: 'q', facts: ['a@x', 'b@x', 'c@x'].map(facts), otherWorkers: [], memoryMeasured: true, runStartMs: 1_800_000_000_000,
    events: { enabledByJobctl: [], alreadyOn: [], unavailable: [], restored: [], restoreFailed: [], heard: 0 } });
  const w = Object.fromEntries(s.workers.map((x) => [x.name, x]));
  // b's clock is 5 s ahead: the interval found must contain +5000 ms and be a few ms wide
  const b = w['b@x']!.clockOffset!;
  assert.ok(b.lowMs <= 5000 && b.highMs >= 5000 && b.highMs - b.lowMs <= 5, JSON.stringify(b));
  const cOff = w['c@x']!.clockOffset!;
  assert.ok(cOff.lowMs <= -250 && cOff.highMs >= -250, JSON.stringify(cOff));
  // true queue wait (published -> started) is 5..11 ms on every worker, whatever its clock says
  for (const x of s.workers) assert.ok(x.queueWait!.p50 >= 4 && x.queueWait!.p50 <= 12, `${x.name} ${x.queueWait!.p50}`);
  assert.deepEqual(w['c@x']!.flags, ['slow', 'leak'], w['c@x']!.why.join('; '));
  assert.deepEqual(w['a@x']!.flags, []);
  assert.deepEqual(w['b@x']!.flags, []);
  assert.equal(s.runtime.count, 900);
  assert.equal(s.unattributed, 0);
});

test('a buffered task.multi payload (a list of events in one kombu envelope) is decoded', () => {
  const events = [
    { type: 'task-received', uuid: 'u1', hostname: 'w@h', timestamp: 1.5, pid: 7, clock: 3 },
    { type: 'task-succeeded', uuid: 'u1', hostname: 'w@h', timestamp: 1.6, pid: 7, runtime: 0.1, clock: 4 },
    { type: 'worker-heartbeat', hostname: 'w@h', timestamp: 1.7 },
  ];
  const env = { body: Buffer.from(JSON.stringify(events)).toString('base64'), 'content-type': 'application/json', properties: { body_encoding: 'base64' } };
  const out = decodeEventPayload(JSON.stringify(env), 99);
  assert.deepEqual(out.map((e) => [e.type, e.uuid, e.runtime ?? null]), [['task-received', 'u1', null], ['task-succeeded', 'u1', 0.1]]);
  assert.equal(decodeEventPayload('not json', 1).length, 0);
});
