// load-test --fleet and smoke-test --fleet on RabbitMQ: two `celery worker` processes (Celery 5.7.0,
// one slowed down) on a private rabbitmq-server node, results on a private redis-server. Task events
// come through a queue of jobctl's own bound to Celery's 'celeryev' topic exchange, which must be
// gone afterwards, and the workers' events must be off again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findRabbitmqServer, startOwnRabbit, type OwnRabbit } from '../../src/runtime/rabbitmq-server.js';
import { jobctl, startFleet, type TestFleet } from './fleet-helpers.js';
import { celeryPython } from './helpers.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';
import type { FleetSmokeResult } from '../../src/runtime/fleet-smoke.js';

const skip = findRabbitmqServer() ? false : 'rabbitmq-server is not installed (.ci/run installs it)';
let rabbit: OwnRabbit | undefined;
let fleet: TestFleet | undefined;

before(async () => {
  if (skip) return;
  const py = await celeryPython('5.7.0');
  rabbit = await startOwnRabbit();
  fleet = await startFleet([
    { name: 'r1@fleet', python: py },
    { name: 'r2@fleet', python: py, role: 'slow' },
  ], 'fleet.work', rabbit.url());
});

after(async () => {
  await fleet?.stop();
  await rabbit?.stop();
});

test('RabbitMQ: load-test --fleet finds the slow worker by name, removes its event queue and restores events', { skip }, async () => {
  const env = { JOBCTL_BROKER: fleet!.broker, JOBCTL_RESULT_BACKEND: fleet!.backend };
  const run = await jobctl(['load-test', '--fleet', '--queue', fleet!.queue, '--task', 'fleetapp.work', '--args', '[4]', '-c', '8', '-n', '400', '--json'], env);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as LoadTestResult;
  assert.equal(r.counts.succeeded, 400);
  const w = Object.fromEntries(r.fleet!.workers.map((x) => [x.name, x]));
  assert.deepEqual(w['r2@fleet']!.flags, ['slow'], w['r2@fleet']!.why.join('; '));
  assert.deepEqual(w['r1@fleet']!.flags, []);
  assert.equal(r.fleet!.unattributed, 0);
  assert.deepEqual(r.fleet!.events.restored.sort(), ['r1@fleet', 'r2@fleet']);
  const queues = await rabbit!.ctl(['list_queues', '-p', rabbit!.vhost, 'name', 'messages']);
  assert.ok(!/jobctl\.events\./.test(queues), `jobctl's event queue is gone:\n${queues}`);
  assert.match(queues, /fleet\.work\s+0/, 'the fleet queue is still there (never deleted or purged)');
  assert.ok(!run.stdout.includes(rabbit!.password) && !run.stderr.includes(rabbit!.password), 'password never printed');
});

test('RabbitMQ: smoke-test --fleet pings both workers and runs the probes on the fleet queue', { skip }, async () => {
  const run = await jobctl(['smoke-test', '--fleet', '--queue', fleet!.queue, '--json'], { JOBCTL_BROKER: fleet!.broker, JOBCTL_RESULT_BACKEND: fleet!.backend });
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as FleetSmokeResult;
  assert.deepEqual(r.workers.map((x) => x.name), ['r1@fleet', 'r2@fleet']);
  for (const id of ['ping', 'celery-version', 'kombu-version', 'registered', 'echo', 'failure']) assert.equal(r.checks.find((c) => c.id === id)!.status, 'pass', id);
});
