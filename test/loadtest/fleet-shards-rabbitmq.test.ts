// fleet-shards.test.ts on RabbitMQ: the same three-worker fleet (one slow, one leaking) on a private
// rabbitmq-server node (results on a private redis-server), two `load-test --fleet --shard i/2`
// producers, `load-test merge`: the merged result names the slow and the leaking worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRabbitmqServer, startOwnRabbit, type OwnRabbit } from '../../src/runtime/rabbitmq-server.js';
import { startFleet, type TestFleet } from './fleet-helpers.js';
import { celeryPython } from './helpers.js';
import { twoProducersMerged } from './fleet-shards-helpers.js';

const skip = findRabbitmqServer() ? false : 'rabbitmq-server is not installed (.ci/run installs it)';
let rabbit: OwnRabbit | undefined;
let fleet: TestFleet | undefined;
let tmp: string;

before(async () => {
  if (skip) return;
  const py = await celeryPython('5.7.0');
  rabbit = await startOwnRabbit();
  fleet = await startFleet([
    { name: 'r1@fleet', python: py },
    { name: 'r2@fleet', python: py, role: 'slow' },
    { name: 'r3@fleet', python: py, role: 'leak' },
  ], 'fleet.work', rabbit.url());
  tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-fleet-shards-amqp-'));
});

after(async () => {
  await fleet?.stop();
  await rabbit?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('RabbitMQ: two --fleet --shard producers, merged: the slow and the leaking worker named', { skip }, async () => {
  const { merged } = await twoProducersMerged(fleet!, tmp, 'fleet-shards-amqp', ['r1@fleet', 'r2@fleet', 'r3@fleet']);
  const queues = await rabbit!.ctl(['list_queues', '-p', rabbit!.vhost, 'name', 'messages']);
  assert.ok(!/jobctl\.events\./.test(queues), `the producers' event queues are gone:\n${queues}`);
  assert.match(queues, /fleet\.work\s+0/, 'the fleet queue is still there (never deleted or purged)');
  assert.ok(!merged.stdout.includes(rabbit!.password), 'password never printed');
});
