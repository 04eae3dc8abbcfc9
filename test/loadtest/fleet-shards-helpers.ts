// The shared part of fleet-shards*.test.ts: two `load-test --fleet --shard i/2` producers of one run
// against a three-worker fleet (fleet-helpers.ts: one slow, one leaking), the second started 1.5 s
// later so the first finishes first, then `load-test merge` of their --json, and the checks on it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobctl, type TestFleet } from './fleet-helpers.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';


/** w1 healthy, w2 slow, w3 leaking: names as the fleet was started with. */
export async function twoProducersMerged(f: TestFleet, tmp: string, runId: string, [w1, w2, w3]: [string, string, string]): Promise<{ shards: LoadTestResult[]; r: LoadTestResult; merged: { code: number; stdout: string; stderr: string } }> {
  const env = { JOBCTL_BROKER: f.broker, JOBCTL_RESULT_BACKEND: f.backend };
  const producer = (i: number) => jobctl(['load-test', '--fleet', '--shard', `${i}/2`, '--run-id', runId, '--queue', f.queue, '--task', 'fleetapp.work', '--args', '[4]',
    '-c', '12', '-n', '1200', '--threshold', 'rss_growth<10%', '--threshold', 'lost==0', '--json'], env);
  // the second producer starts later, so the first finishes first: it must not switch the fleet's task
  // events off under the second (the last producer of the run out does)
  const runs = await Promise.all([producer(1), new Promise((r) => setTimeout(r, 1500)).then(() => producer(2))]);
  const files = runs.map((run, k) => {
    assert.equal(run.code, 0, `producer ${k + 1}: ${run.stderr}`);
    const file = path.join(tmp, `${runId}- shard-${k + 1}.json`);
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
  assert.deepEqual(Object.keys(w).sort(), [w1, w2, w3]);
  assert.deepEqual(w[w2]!.flags, ['slow'], w[w2]!.why.join('; '));
  assert.deepEqual(w[w3]!.flags, ['leak'], w[w3]!.why.join('; '));
  assert.deepEqual(w[w1]!.flags, [], w[w1]!.why.join('; '));
  // no double counting: the per-worker counts add up to the run's tasks, each the sum of the producers'
  assert.equal(fl.workers.reduce((a, x) => a + x.tasks, 0) + fl.unattributed, 1200);
  for (const x of fl.workers) {
    assert.equal(x.tasks, shards.reduce((a, s) => a + (s.fleet!.workers.find((y) => y.name === x.name)?.tasks ?? 0), 0), x.name);
    assert.equal(x.runtime.count, shards.reduce((a, s) => a + (s.fleet!.workers.find((y) => y.name === x.name)?.runtime.count ?? 0), 0), x.name);
    assert.equal(x.clockOffsets!.length, 2, `${x.name}: one clock offset per producer`);
  }
  assert.equal(r.latency.runtime.count, fl.runtime.count);
  // the leaking worker's merged RSS series spans both producers' probe reports
  const leak = w[w3]!.memory!;
  assert.ok(leak.samples.length > Math.max(...shards.map((s) => s.fleet!.workers.find((y) => y.name === w3)!.memory!.samples.length)), 'merged series is longer than either producer\'s');
  assert.ok(leak.per1kTasksBytes! > 50 * 1024 * 1024, `w3 ${leak.per1kTasksBytes}`);
  assert.equal(r.merged!.sharedQueue, true);
  assert.deepEqual([...fl.events.restored].sort(), [w1, w2, w3], 'task events switched off again by the last producer');
  // the text report of the merge: the FLEET table marks the slow and the leaking worker, not the healthy one
  const text = await jobctl(['load-test', 'merge', ...files], {});
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /█ FLEET/);
  assert.match(text.stdout, new RegExp(`▲ ${w2}: SLOW`));
  assert.match(text.stdout, new RegExp(`▲ ${w3}: LEAK`));
  assert.doesNotMatch(text.stdout, new RegExp(`▲ ${w1}`));
  assert.match(text.stdout, /switched off again afterwards/);
  // the producer that finished first left the events on for the other and says so
  assert.ok(shards.some((s) => s.fleet!.notes.some((n) => /task events left on for .* while the run's other producer/.test(n))), 'a producer notes it left events on for the other');
  return { shards, r, merged };
}
