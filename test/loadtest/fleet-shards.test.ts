// Issue 19's last "Done when": a fleet of three `celery worker` processes with their own node names
// (one slowed down, one leaking 256 KiB per task) on a private redis-server, driven by TWO
// `load-test --fleet --shard i/2` producers running at the same time, then `load-test merge` of their
// --json: the merged result names the slow and the leaking worker, and not the healthy one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from './fleet-helpers.js';
import { celeryPython, repoRoot } from './helpers.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';
import { Redis } from 'ioredis';
import { openRedisEventReceiver, type TaskEvent } from '../../src/runtime/events.js';
import { RedisCeleryTransport } from '../../src/runtime/redis-transport.js';

let fleet: TestFleet | undefined;
let tmp: string;
const bin = path.join(repoRoot, 'bin', 'run.js');

function jobctl(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 150_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

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
  const env = { JOBCTL_BROKER: f.broker, JOBCTL_RESULT_BACKEND: f.backend };
  const producer = (i: number) => jobctl(['load-test', '--fleet', '--shard', `${i}/2`, '--run-id', 'fleet-shards-t1', '--queue', f.queue, '--task', 'fleetapp.work', '--args', '[4]',
    '-c', '12', '-n', '1200', '--threshold', 'rss_growth<10%', '--threshold', 'lost==0', '--json'], env);
  // the second producer starts later, so the first finishes first: it must not switch the fleet's task
  // events off under the second (the last producer of the run out does)
  const runs = await Promise.all([producer(1), new Promise((r) => setTimeout(r, 1500)).then(() => producer(2))]);
  const files = runs.map((run, k) => {
    assert.equal(run.code, 0, `producer ${k + 1}: ${run.stderr}`);
    const file = path.join(tmp, `shard-${k + 1}.json`);
    writeFileSync(file, run.stdout);
    return file;
  });
  const shards = runs.map((run) => JSON.parse(run.stdout) as LoadTestResult);
  // they ran at the same time, each its own share, and attributed only its own tasks
  assert.ok(Date.parse(shards[1]!.startedAt) < Date.parse(shards[0]!.startedAt) + shards[0]!.durationMs, 'the producers overlapped');
  for (const s of shards) {
    assert.equal(s.counts.succeeded, 600);
    assert.equal(s.fleet!.workers.reduce((a, w) => a + w.tasks, 0), 600, 'a producer counts only its own tasks');
    assert.equal(s.fleet!.unattributed, 0, `shard ${s.shard!.index}: every task has its events (${s.fleet!.notes.join(' | ')})`);
  }

  const merged = await jobctl(['load-test', 'merge', ...files, '--json'], {});
  // the leaking worker fails rss_growth<10% on the merged whole (thresholds stored by the producers)
  assert.equal(merged.code, 1, merged.stderr);
  const r = JSON.parse(merged.stdout) as LoadTestResult;
  assert.equal(r.counts.succeeded, 1200);
  assert.deepEqual(r.thresholds.map((t) => [t.expression, t.pass]), [['rss_growth<10%', false], ['lost==0', true]]);
  const fl = r.fleet!;
  const w = Object.fromEntries(fl.workers.map((x) => [x.name, x]));
  assert.deepEqual(Object.keys(w).sort(), ['w1@fleet', 'w2@fleet', 'w3@fleet']);
  assert.deepEqual(w['w2@fleet']!.flags, ['slow'], w['w2@fleet']!.why.join('; '));
  assert.deepEqual(w['w3@fleet']!.flags, ['leak'], w['w3@fleet']!.why.join('; '));
  assert.deepEqual(w['w1@fleet']!.flags, [], w['w1@fleet']!.why.join('; '));
  // no double counting: the per-worker counts add up to the run's tasks, each the sum of the producers'
  assert.equal(fl.workers.reduce((a, x) => a + x.tasks, 0) + fl.unattributed, 1200);
  for (const x of fl.workers) {
    assert.equal(x.tasks, shards.reduce((a, s) => a + (s.fleet!.workers.find((y) => y.name === x.name)?.tasks ?? 0), 0), x.name);
    assert.equal(x.runtime.count, shards.reduce((a, s) => a + (s.fleet!.workers.find((y) => y.name === x.name)?.runtime.count ?? 0), 0), x.name);
    assert.equal(x.clockOffsets!.length, 2, `${x.name}: one clock offset per producer`);
  }
  assert.equal(r.latency.runtime.count, fl.runtime.count);
  // the leaking worker's merged RSS series spans both producers' probe reports
  const leak = w['w3@fleet']!.memory!;
  assert.ok(leak.samples.length > Math.max(...shards.map((s) => s.fleet!.workers.find((y) => y.name === 'w3@fleet')!.memory!.samples.length)), 'merged series is longer than either producer\'s');
  assert.ok(leak.per1kTasksBytes! > 50 * 1024 * 1024, `w3 ${leak.per1kTasksBytes}`);
  assert.equal(r.merged!.sharedQueue, true);
  assert.deepEqual([...fl.events.restored].sort(), ['w1@fleet', 'w2@fleet', 'w3@fleet'], 'task events switched off again by the last producer');
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
