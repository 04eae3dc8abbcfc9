// A worker started with --without-gossip --without-heartbeat and without -E has its event
// dispatcher off (celery/worker/consumer/events.py: send_events = task_events or not without_gossip
// or not without_heartbeat; the bootstep is then not started), and `enable_events` cannot switch it
// on: Celery 5.7.0 answers {'error': 'event dispatcher unavailable'}. load-test --fleet must say so
// (NO EVENTS) instead of showing an empty row as fine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type TestFleet } from './fleet-helpers.js';
import { celeryPython } from './helpers.js';
import { fleetLoadTest } from '../../src/loadtest/fleet.js';

let fleet: TestFleet;

before(async () => {
  const py = await celeryPython('5.7.0');
  fleet = await startFleet([
    { name: 'e1@fleet', python: py, concurrency: 1 },
    { name: 'quiet@fleet', python: py, concurrency: 1, extraArgs: ['--without-gossip', '--without-heartbeat'] },
  ]);
});

after(async () => { await fleet?.stop(); });

test('a worker whose event dispatcher is off shows as NO EVENTS, its tasks as unattributed', async () => {
  const r = await fleetLoadTest({ broker: fleet.broker, backend: fleet.backend, queue: fleet.queue, task: 'fleetapp.work', args: [2], shape: { mode: 'closed', concurrency: 4 }, tasks: 120 });
  assert.equal(r.counts.succeeded, 120);
  const f = r.fleet!;
  const w = Object.fromEntries(f.workers.map((x) => [x.name, x]));
  assert.deepEqual(f.events.enabledByJobctl, ['e1@fleet']);
  assert.deepEqual(f.events.unavailable, [{ name: 'quiet@fleet', reason: 'event dispatcher unavailable' }]);
  assert.deepEqual(w['quiet@fleet']!.flags, ['no-events']);
  assert.match(w['quiet@fleet']!.why.join(' '), /--without-gossip --without-heartbeat/);
  assert.ok(w['e1@fleet']!.tasks > 0 && w['e1@fleet']!.tasks < 120, `e1 ran ${w['e1@fleet']!.tasks}`);
  assert.equal(f.unattributed, 120 - w['e1@fleet']!.tasks, 'the quiet worker\'s tasks are in the totals but in no row');
  assert.ok(r.notes!.some((n) => /never produced an event/.test(n)));
});
