// load-test --fleet and smoke-test --fleet against a real fleet: three separate `celery worker`
// processes with their own node names on a private redis-server (loopback). w1 (Celery 5.7.0) was
// started with -E; w2 runs Celery 5.6.3 (a rollout half done) and is slow; w3 (5.7.0) leaks 256 KiB
// per task. jobctl starts none of them. Also proves that nothing jobctl did not create is deleted
// and that the workers' task events are back as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { jobctl, startFleet, type TestFleet } from './fleet-helpers.js';
import { celeryPython, repoRoot } from './helpers.js';
import { openRedisEventReceiver, type TaskEvent } from '../../src/runtime/events.js';
import { RedisCeleryTransport } from '../../src/runtime/redis-transport.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';
import type { FleetSmokeResult } from '../../src/runtime/fleet-smoke.js';

const bin = path.join(repoRoot, 'bin', 'run.js');

let fleet: TestFleet;
let tmp: string;

/** every key of a database with its type and a digest of its value */
async function snapshot(url: string): Promise<Map<string, string>> {
  const c = new Redis(url);
  try {
    const out = new Map<string, string>();
    for (const k of await c.keys('*')) {
      const type = await c.type(k);
      const value = type === 'string' ? await c.get(k) : type === 'list' ? JSON.stringify(await c.lrange(k, 0, -1)) : type === 'set' ? JSON.stringify((await c.smembers(k)).sort()) : type;
      out.set(k, `${type}:${value}`);
    }
    return out;
  } finally {
    c.disconnect();
  }
}

/** Task events are back as they were: every worker runs probes, only w1 (started with -E) sends events. */
async function assertEventsAsBefore(): Promise<void> {
  const heard: TaskEvent[] = [];
  const rx = await openRedisEventReceiver(fleet.broker, (e) => heard.push(e));
  const t = await RedisCeleryTransport.open({ brokerUrl: fleet.broker, backendUrl: fleet.backend });
  try {
    const ran = new Set<string>();
    for (let round = 0; round < 4 && ran.size < 3; round++) {
      const results = await Promise.all(Array.from({ length: 18 }, () => t.call({ task: 'jobctl_loadprobe.rss', args: [30] }, { queue: fleet.queue, timeoutMs: 15_000 })));
      for (const x of results) ran.add(String((x.result?.result as { hostname?: string } | undefined)?.hostname));
    }
    await new Promise((res) => setTimeout(res, 1500));
    assert.deepEqual([...ran].sort(), ['w1@fleet', 'w2@fleet', 'w3@fleet'], 'every worker ran probes after the run');
    assert.deepEqual([...new Set(heard.map((e) => e.hostname))], ['w1@fleet'], 'task events only from the worker that had them on before');
  } finally {
    await t.close();
    await rx.close();
  }
}

before(async () => {
  const [py7, py6] = await Promise.all([celeryPython('5.7.0'), celeryPython('5.6.3')]);
  fleet = await startFleet([
    { name: 'w1@fleet', python: py7, events: true },
    { name: 'w2@fleet', python: py6, role: 'slow' },
    { name: 'w3@fleet', python: py7, role: 'leak' },
  ]);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-fleet-'));
  // another application's data on the same broker and result backend
  const b = new Redis(fleet.broker);
  await b.set('otherapp:config', 'keep me');
  await b.lpush('otherapp.jobs', JSON.stringify({ job: 1 }));
  b.disconnect();
  const r = new Redis(fleet.backend);
  await r.set('celery-task-meta-not-jobctls', JSON.stringify({ status: 'SUCCESS', result: 1 }));
  r.disconnect();
});

after(async () => {
  await fleet?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('load-test --fleet names the slow and the leaking worker, deletes only its own keys and restores task events', async () => {
  const brokerBefore = await snapshot(fleet.broker);
  const backendBefore = await snapshot(fleet.backend);
  const report = path.join(tmp, 'fleet.html');
  const run = await jobctl(['load-test', '--fleet', '--queue', fleet.queue, '--task', 'fleetapp.work', '--args', '[4]', '-c', '12', '-n', '1200', '--json', '--report', report, '--threshold', 'rss_growth<10%', '--threshold', 'runtime.p99<5s', '--threshold', 'lost==0'],
    { JOBCTL_BROKER: fleet.broker, JOBCTL_RESULT_BACKEND: fleet.backend });
  // the leaking worker fails rss_growth (fleet mode judges the worst worker); run time comes from the events
  assert.equal(run.code, 1, run.stderr);
  const r = JSON.parse(run.stdout) as LoadTestResult;
  assert.equal(r.counts.succeeded, 1200);
  assert.deepEqual(r.thresholds.map((t) => [t.expression, t.pass]), [['rss_growth<10%', false], ['runtime.p99<5s', true], ['lost==0', true]]);
  assert.ok(r.thresholds[0]!.actual! > 10, JSON.stringify(r.thresholds[0]));
  assert.equal(r.environment.worker, 'external');
  const f = r.fleet!;
  const byName = Object.fromEntries(f.workers.map((w) => [w.name, w]));
  assert.deepEqual(Object.keys(byName).sort(), ['w1@fleet', 'w2@fleet', 'w3@fleet']);
  assert.deepEqual(byName['w2@fleet']!.flags, ['slow'], byName['w2@fleet']!.why.join('; '));
  assert.deepEqual(byName['w3@fleet']!.flags, ['leak'], byName['w3@fleet']!.why.join('; '));
  assert.deepEqual(byName['w1@fleet']!.flags, [], byName['w1@fleet']!.why.join('; '));
  // every task is attributed to a worker, per-process RSS came from the probe, versions from inspect report
  assert.equal(f.unattributed, 0);
  assert.equal(f.workers.reduce((a, w) => a + w.tasks, 0), 1200);
  assert.equal(byName['w2@fleet']!.celery, '5.6.3');
  assert.ok(byName['w3@fleet']!.memory!.processes.length >= 1);
  assert.ok(byName['w3@fleet']!.memory!.per1kTasksBytes! > 50 * 1024 * 1024, `w3 ${byName['w3@fleet']!.memory!.per1kTasksBytes}`);
  // the same host, so the offset interval must contain 0 and be narrow
  for (const w of f.workers) assert.ok(w.clockOffset && w.clockOffset.lowMs <= 1 && w.clockOffset.highMs >= -1 && w.clockOffset.highMs - w.clockOffset.lowMs < 200, `${w.name} ${JSON.stringify(w.clockOffset)}`);
  assert.ok(r.latency.runtime.count === 1200 && r.latency.queueWait.count > 0, 'totals from the events');
  assert.deepEqual(f.events.enabledByJobctl.sort(), ['w2@fleet', 'w3@fleet']);
  assert.deepEqual(f.events.alreadyOn, ['w1@fleet']);
  assert.deepEqual(f.events.restored.sort(), ['w2@fleet', 'w3@fleet']);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /data-worker="w2@fleet" data-flags="slow"/);
  assert.match(html, /data-worker="w3@fleet" data-flags="leak"/);

  // nothing jobctl did not create was touched; none of its result keys is left
  const brokerAfter = await snapshot(fleet.broker);
  const backendAfter = await snapshot(fleet.backend);
  for (const [k, v] of brokerBefore) if (!k.startsWith('unacked')) assert.equal(brokerAfter.get(k), v, `broker key ${k} changed or deleted`);
  assert.deepEqual([...backendAfter].sort(), [...backendBefore].sort(), 'result backend: exactly the keys that were there before');
  assert.equal(brokerAfter.get('otherapp:config'), 'string:keep me');
  assert.ok([...brokerAfter.keys()].every((k) => !/reply\.celery\.pidbox$/.test(k)), 'no pidbox reply queue left');

  await assertEventsAsBefore();
});

test('smoke-test --fleet reports a half-done rollout (two Celery versions) and runs the probes on the fleet queue', async () => {
  const run = await jobctl(['smoke-test', '--fleet', '--queue', fleet.queue, '--json'], { JOBCTL_BROKER: fleet.broker, JOBCTL_RESULT_BACKEND: fleet.backend });
  assert.equal(run.code, 1, run.stderr);
  const r = JSON.parse(run.stdout) as FleetSmokeResult;
  const check = (id: string) => r.checks.find((c) => c.id === id)!;
  assert.deepEqual(r.workers.map((w) => w.name), ['w1@fleet', 'w2@fleet', 'w3@fleet']);
  assert.equal(check('ping').status, 'pass');
  assert.equal(check('celery-version').status, 'fail');
  assert.match(check('celery-version').evidence, /5\.7\.0 \(w1@fleet, w3@fleet\) · 5\.6\.3 \(w2@fleet\)/);
  assert.equal(check('kombu-version').status, 'pass', check('kombu-version').evidence);
  assert.equal(check('registered').status, 'pass', check('registered').evidence);
  assert.equal(check('echo').status, 'pass', check('echo').evidence);
  assert.equal(check('failure').status, 'pass', check('failure').evidence);
  assert.ok(!run.stdout.includes(fleet.redis.password), 'the broker password is never printed');
});

test('--fleet refuses to run without an explicit queue and task, and without a broker', async () => {
  const noQueue = await jobctl(['load-test', '--fleet', '--task', 'fleetapp.work'], { JOBCTL_BROKER: fleet.broker });
  assert.equal(noQueue.code, 2);
  assert.match(noQueue.stderr, /--fleet needs --queue/);
  const noTask = await jobctl(['load-test', '--fleet', '--queue', fleet.queue], { JOBCTL_BROKER: fleet.broker });
  assert.equal(noTask.code, 2);
  assert.match(noTask.stderr, /--fleet needs a task/);
  const withApp = await jobctl(['load-test', '--fleet', '--queue', fleet.queue, '--task', 'fleetapp.work', '--app', 'proj'], { JOBCTL_BROKER: fleet.broker });
  assert.equal(withApp.code, 2);
  assert.match(withApp.stderr, /--app: jobctl starts no worker with --fleet/);
  const unknown = await jobctl(['load-test', '--fleet', '--queue', fleet.queue, '--task', 'fleetapp.nope', '-n', '5'], { JOBCTL_BROKER: fleet.broker, JOBCTL_RESULT_BACKEND: fleet.backend });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no worker consuming fleet\.work registers fleetapp\.nope/);
  const noWorkers = await jobctl(['load-test', '--fleet', '--queue', 'nobody.here', '--task', 'fleetapp.work', '-n', '5'], { JOBCTL_BROKER: fleet.broker });
  assert.equal(noWorkers.code, 3);
  assert.match(noWorkers.stderr, /no worker on redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+\/0 consumes queue nobody\.here/);
});

test('Ctrl-C during load-test --fleet: exit 130, what was measured is printed, task events are switched off again', async () => {
  const child = spawn(process.execPath, [bin, 'load-test', '--fleet', '--queue', fleet.queue, '--task', 'fleetapp.work', '--args', '[4]', '-c', '8', '-n', '100000', '--drain-timeout', '5s'],
    { env: { ...process.env, JOBCTL_BROKER: fleet.broker, JOBCTL_RESULT_BACKEND: fleet.backend }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise((r) => setTimeout(r, 5000));
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.match(out, /INTERRUPTED/);
  assert.match(out, /FLEET/);
  assert.match(out, /switched off again afterwards/);
  // the tasks still queued are the fleet's to run now; wait for the queue to drain before checking events
  const c = new Redis(fleet.broker);
  try {
    for (let i = 0; i < 100 && (await c.llen(fleet.queue)) > 0; i++) await new Promise((r) => setTimeout(r, 200));
  } finally {
    c.disconnect();
  }
  await assertEventsAsBefore();
});
