// Issue 19's last "Done when": a fleet of three `celery worker` processes with their own node names
// (one slowed down, one leaking 256 KiB per task) on a private redis-server, driven by TWO
// `load-test --fleet --shard i/2` producers running at the same time, then `load-test merge` of their
// --json: the merged result names the slow and the leaking worker, and not the healthy one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from './fleet-helpers.js';
import { celeryPython } from './helpers.js';
import { twoProducersMerged } from './fleet-shards-helpers.js';
import { Redis } from 'ioredis';
import { openRedisEventReceiver, type TaskEvent } from '../../src/runtime/events.js';
import { RedisCeleryTransport } from '../../src/runtime/redis-transport.js';

let fleet: TestFleet | undefined;
let tmp: string;

before(async () => {
  const py = await celeryPython('5.7.0');
  fleet = await startFleet([
    { name: 'w1@fleet', python: py },
    { name: 'w2@fleet', python: py, role: 'slow' },
    { name: 'w3@fleet', python: py, role: 'leak' },
  ]);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-fleet-shards-'));
});

after(async () => {
  await fleet?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('two --fleet --shard producers at once, merged: the slow and the leaking worker named, the healthy one not', async () => {
  const f = fleet!;
  await twoProducersMerged(f, tmp, 'fleet-shards-redis', ['w1@fleet', 'w2@fleet', 'w3@fleet']);
  const backend = new Redis(f.backend);
  try {
    assert.deepEqual(await backend.keys('jobctl-run:*'), [], "the producers' shared keys are gone");
  } finally {
    backend.disconnect();
  }
  // and the workers send no task events any more
  const heard: TaskEvent[] = [];
  const rx = await openRedisEventReceiver(f.broker, (e) => heard.push(e));
  const t = await RedisCeleryTransport.open({ brokerUrl: f.broker, backendUrl: f.backend });
  try {
    await Promise.all(Array.from({ length: 12 }, () => t.call({ task: 'fleetapp.work', args: [1] }, { queue: f.queue, timeoutMs: 15_000 })));
    await new Promise((res) => setTimeout(res, 1500));
    assert.deepEqual(heard.map((e) => e.hostname), [], 'no task events after the run');
  } finally {
    await t.close();
    await rx.close();
  }
});
