// The drills that run on both brokers (broker-restart, pool-kill, warm-shutdown) on jobctl's own
// RabbitMQ node, for apps whose broker is amqp:// (fixtures/drill-rabbitmq-<id>-pass|fail), with
// Celery 5.6.3 and 5.7.0; then proof that no node, epmd, worker or folder is left. Skipped where
// rabbitmq-server is not installed (.ci/run installs it). ~1 minute, three runs at a time.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDrills, type DrillReport, type DrillId } from '../../src/drills/index.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { findRabbitmqServer } from '../../src/runtime/rabbitmq-server.js';
import { fixturesDir } from '../support/fixtures.js';

const VERSIONS = ['5.6.3', '5.7.0'];
const DRILLS: DrillId[] = ['broker-restart', 'pool-kill', 'warm-shutdown'];
const skip = findRabbitmqServer() ? false : 'rabbitmq-server is not installed';
const results = new Map<string, DrillReport>();

before(async () => {
  if (skip) return;
  const py = Object.fromEntries(VERSIONS.map((v) => [v, ensureCeleryVenv(v)]));
  const jobs = VERSIONS.flatMap((v) => DRILLS.flatMap((id) => (['pass', 'fail'] as const).map((kind) => async () => {
    results.set(`${v}/${id}/${kind}`, await runDrills({ root: path.join(fixturesDir, `drill-rabbitmq-${id}-${kind}`), python: py[v]!, only: [id] }));
  })));
  let next = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 3 }, async () => { while (next < jobs.length) await jobs[next++]!(); }));
  process.stderr.write(`RabbitMQ drill matrix: ${jobs.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
});

for (const v of VERSIONS) {
  for (const id of DRILLS) {
    test(`RabbitMQ, celery ${v}: ${id} passes on drill-rabbitmq-${id}-pass and fails on drill-rabbitmq-${id}-fail`, { skip }, () => {
      const p = results.get(`${v}/${id}/pass`)!.drills[0]!;
      const f = results.get(`${v}/${id}/fail`)!.drills[0]!;
      const show = (d: typeof p): string => `${d.verdict}: ${d.summary}\n${d.timeline.map((e) => `${e.atMs} ${e.event}`).join('\n')}`;
      assert.equal(p.broker, 'amqp');
      assert.equal(f.broker, 'amqp');
      assert.equal(p.verdict, 'pass', show(p));
      assert.equal(f.verdict, 'fail', show(f));
    });
  }
}

test('RabbitMQ: the mechanisms measured', { skip }, () => {
  for (const v of VERSIONS) {
    const r = (id: string, kind: string) => results.get(`${v}/${id}/${kind}`)!.drills[0]!;
    // durable queue + persistent messages: nothing lost; prefetched messages come back at once (no visibility timeout)
    assert.equal(r('broker-restart', 'pass').counts.lost, 0);
    assert.equal(r('broker-restart', 'pass').counts.delayed_unacked, 0);
    const f = r('broker-restart', 'fail');
    assert.ok(f.counts.still_queued! > 0, `the queue survived; the worker did not come back for it: ${JSON.stringify(f.counts)} ${f.timeline.map((e) => e.event).join(' | ')}`);
    assert.ok(r('pool-kill', 'fail').counts.deliveries! >= 3);
    assert.equal(r('warm-shutdown', 'fail').counts.lost, 1);
  }
});

test('RabbitMQ: nothing left behind (node, epmd, redis-server, workers, folders)', { skip }, () => {
  assert.deepEqual(liveManagedProcesses().map((p) => p.label), []);
  const left = readdirSync(os.tmpdir()).filter((n) => /^jobctl-(drill|worker|rabbit|redis)-/.test(n));
  assert.deepEqual(left, []);
});
