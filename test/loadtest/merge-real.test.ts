// Two --shard producers against ONE real Celery worker (Celery from PyPI, prefork) on jobctl's own
// redis-server, their --json files merged by the real `jobctl load-test merge` with thresholds; and
// a `jobctl load-test --shard` run through the CLI (its own private worker), checked for its share.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startLoadEnvironment, probeTask, type LoadEnvironment } from '../../src/loadtest/environment.js';
import { runLoadTest } from '../../src/loadtest/run.js';
import { LoadClient, type ResultEvent, type TimingEvent } from '../../src/loadtest/load-client.js';
import { parseShard, shardLoad } from '../../src/loadtest/shard.js';
import { decodeHistogram } from '../../src/loadtest/stats.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';
import { maskDeep } from '../../src/util/mask.js';
import { celeryPython, repoRoot } from './helpers.js';

let env: LoadEnvironment;
let python: string;
let dir: string;
const bin = path.join(repoRoot, 'bin', 'run.js');
const RUN = 'merge-e2e';

function jobctl(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'load-test', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', JOBCTL_RUN_ID: '' }, input: '', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  python = await celeryPython();
  dir = mkdtempSync(path.join(tmpdir(), 'jobctl-merge-real-'));
  env = await startLoadEnvironment({ root: process.cwd(), python, workerConcurrency: 4 });
});

after(async () => {
  await env?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('two shard producers, one worker: each sends and hears only its share; the merge adds up and applies the thresholds', async () => {
  const { task, args } = probeTask('sleep:10');
  const whole = { shape: { mode: 'closed' as const, concurrency: 16 }, tasks: 600, durationMs: undefined, thresholds: ['lost==0', 'runtime.p50>=10ms'] };
  const shards = [1, 2].map((i) => shardLoad(parseShard(`${i}/2`, RUN), whole));
  // at the same time, on separate connections, against the same worker and queue
  const results = await Promise.all(shards.map((s) => runLoadTest(env.target, { task, args, shape: s.shape, tasks: s.tasks!, shard: s.facts })));
  results.forEach((r, k) => {
    assert.equal(r.counts.published, 300);
    assert.equal(r.counts.succeeded, 300, `shard ${k + 1} counted exactly its own results`);
    assert.equal(r.counts.lost, 0);
    assert.equal(r.concurrency, 8);
    assert.equal(r.latency.e2e.count, 300);
    assert.ok(r.latency.runtime.count <= 300 && r.latency.runtime.count >= 290, `only its own probe timings: ${r.latency.runtime.count}`);
    assert.deepEqual(r.thresholds, [], 'a shard leaves the verdict to the merge');
    assert.equal(r.passed, true);
    assert.equal(r.shard?.index, k + 1);
    assert.deepEqual(r.shard?.thresholds, whole.thresholds);
    assert.ok(r.timeline.some((p) => p.e2eHistogram), 'window histograms for the merged timeline');
  });
  // the result keys on the broker carry the producer's tag: the shards' keys never collide
  const redis = new Redis(env.target.backendUrl, { lazyConnect: true });
  await redis.connect();
  try {
    for (const i of [1, 2]) assert.equal((await redis.keys(`celery-task-meta-jobctl:${RUN}:${i}of2:*`)).length, 300);
  } finally {
    redis.disconnect();
  }
  const files = results.map((r, k) => {
    const f = path.join(dir, `shard-${k + 1}.json`);
    writeFileSync(f, JSON.stringify(maskDeep(r), null, 2)); // as `--json` writes it
    return f;
  });

  // the merge: the thresholds the shards were given, applied to the whole
  const report = path.join(dir, 'merged.html');
  const ok = jobctl(['merge', ...files, '--json', '--report', report]);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout.slice(0, 2000));
  const m = JSON.parse(ok.stdout) as LoadTestResult;
  assert.equal(m.counts.published, 600);
  assert.equal(m.counts.succeeded, 600);
  assert.equal(m.latency.e2e.count, 600);
  assert.equal(m.latency.runtime.count, results[0]!.latency.runtime.count + results[1]!.latency.runtime.count);
  assert.equal(m.concurrency, 16);
  assert.deepEqual(m.thresholds.map((t) => [t.expression, t.pass]), [['lost==0', true], ['runtime.p50>=10ms', true]]);
  const sum = decodeHistogram(results[0]!.latency.e2e.histogram);
  sum.add(decodeHistogram(results[1]!.latency.e2e.histogram));
  assert.equal(m.latency.e2e.p99, Math.round(sum.getValueAtPercentile(99)) / 1000, 'p99 of the added histograms');
  assert.equal(m.latency.e2e.max, Math.max(results[0]!.latency.e2e.max, results[1]!.latency.e2e.max));
  assert.equal(m.merged?.sharedQueue, true);
  assert.equal(m.timeline.reduce((a, p) => a + p.completed, 0), 600);
  assert.ok(existsSync(report) && /id="shards"/.test(readFileSync(report, 'utf8')));

  // a failing threshold for the whole run: exit 1, the text report names it and the shards
  const bad = jobctl(['merge', ...files, '--threshold', 'p50<1ms']);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /✗ 'p50<1ms'/);
  assert.match(bad.stdout, /█ SHARDS {2}\(run merge-e2e: 2 of 2 producers\)/);
  assert.match(bad.stdout, /FAILED: a threshold was not met/);

  // one shard missing: exit 2 and one line naming what is missing
  const missing = jobctl(['merge', files[0]!]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /run merge-e2e: shard 2\/2 missing \(given: 1\/2 .*shard-1\.json\); pass all 2 files, or --allow-missing/);
  // a foreign file: exit 2 naming it
  writeFileSync(path.join(dir, 'notes.json'), '{"hello": 1}');
  const foreign = jobctl(['merge', files[0]!, path.join(dir, 'notes.json')]);
  assert.equal(foreign.code, 2);
  assert.match(foreign.stderr, /notes\.json: not a jobctl load-test result/);
});

test('a producer hears only its own results and probe timings (PSUBSCRIBE on its prefix, timings filtered)', async () => {
  const results: ResultEvent[] = [];
  const timings: TimingEvent[] = [];
  const channel = 'jobctl-merge-test-timing';
  const client = await LoadClient.open({ brokerUrl: env.target.brokerUrl, backendUrl: env.target.backendUrl, timingChannel: channel, idPrefix: 'jobctl:p:1of2:', onResult: (r) => results.push(r), onTiming: (t) => timings.push(t) });
  const pub = new Redis(env.target.backendUrl, { lazyConnect: true });
  await pub.connect();
  try {
    for (const id of ['jobctl:p:1of2:a', 'jobctl:p:2of2:b', 'jobctl:p:1of20:c', 'd']) await pub.publish(`celery-task-meta-${id}`, JSON.stringify({ status: 'SUCCESS', result: null, task_id: id }));
    await pub.publish(channel, JSON.stringify([['jobctl:p:1of2:a', 1, 2, 9, 'SUCCESS'], ['jobctl:p:2of2:b', 1, 2, 9, 'SUCCESS']]));
    const deadline = Date.now() + 3000;
    while ((results.length < 1 || timings.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // anything else would have arrived by now
  } finally {
    pub.disconnect();
    client.close();
  }
  assert.deepEqual(results.map((r) => r.id), ['jobctl:p:1of2:a']);
  assert.deepEqual(timings.map((t) => t.id), ['jobctl:p:1of2:a']);
});

test('`jobctl load-test --shard 1/2`: its share of the load, exit 0, a --json the merge reads (and refuses alone)', () => {
  const noId = jobctl(['--python', python, '--shard', '1/2', '-n', '40', '-c', '4']);
  assert.equal(noId.code, 2);
  assert.match(noId.stderr, /--shard needs --run-id/);
  const r = jobctl(['--python', python, '--probe', 'noop', '--shard', '1/2', '--run-id', 'cli-run', '-n', '41', '-c', '5', '--threshold', 'errors==0', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as LoadTestResult;
  assert.equal(s.counts.published, 21, '41 tasks over 2 producers: 21 + 20');
  assert.equal(s.counts.succeeded, 21);
  assert.equal(s.concurrency, 3, '5 in flight over 2 producers: 3 + 2');
  assert.deepEqual(s.shard && { runId: s.shard.runId, index: s.shard.index, count: s.shard.count, thresholds: s.shard.thresholds }, { runId: 'cli-run', index: 1, count: 2, thresholds: ['errors==0'] });
  assert.deepEqual(s.shard?.requested, { tasks: 41, concurrency: 5, ratePerSec: null, durationMs: null });
  const f = path.join(dir, 'cli-1.json');
  writeFileSync(f, r.stdout);
  const alone = jobctl(['merge', f]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /shard 2\/2 missing/);
  const partial = jobctl(['merge', f, '--allow-missing']);
  assert.equal(partial.code, 1, 'an incomplete run does not pass');
  assert.match(partial.stderr, /warning: merged without shard 2\/2/);
  assert.match(partial.stdout, /✓ 'errors==0'/);
  assert.match(partial.stdout, /FAILED: shard 2\/2 missing/);
});
