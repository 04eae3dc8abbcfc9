// `load-test merge` without a broker: merged percentiles are exactly those of one producer that
// recorded the same timings; counts and rates add up over the union window; every bad input is a
// one-line error naming the file; the --shard split adds up to the requested load; the documented
// Kubernetes Job runs shards 1..N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from './helpers.js';
import { LatencyRecorder, WindowRecorder, decodeHistogram, type TimelinePoint } from '../../src/loadtest/stats.js';
import { checkShardResult, mergeShardFiles, mergeShards, type ShardInput } from '../../src/loadtest/merge.js';
import { parseShard, shardLoad, shareOf, taskIdPrefix, type ShardFacts } from '../../src/loadtest/shard.js';
import { LOAD_TEST_SCHEMA, type LoadTestResult } from '../../src/loadtest/types.js';
import { renderLoadTestText } from '../../src/loadtest/report-text.js';
import { renderLoadTestHtml } from '../../src/loadtest/report-html.js';
import { JobctlError } from '../../src/util/errors.js';

/** a deterministic spread of latencies from 0.05 ms to ~60 s (log-uniform), in ms */
function latencies(n: number, seed = 7): number[] {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => Math.exp(Math.log(0.05) + rnd() * (Math.log(60_000) - Math.log(0.05))));
}

interface Timing { e2e: number; wait: number; run: number; ok: boolean }

/** One producer's result as `load-test --shard i/N --json` writes it (built from real recorders). */
function shardResult(spec: { runId: string; index: number; count: number }, timings: Timing[], opts: { startedAt?: string; durationMs?: number; queue?: string; thresholds?: string[] } = {}): LoadTestResult {
  const e2e = new LatencyRecorder();
  const wait = new LatencyRecorder();
  const run = new LatencyRecorder();
  const timeline: TimelinePoint[] = [];
  const durationMs = opts.durationMs ?? 4000;
  const perWindow = Math.ceil(timings.length / (durationMs / 1000));
  let w = new WindowRecorder(0, true);
  timings.forEach((t, i) => {
    e2e.record(t.e2e); wait.record(t.wait); run.record(t.run);
    w.onPublished(); w.onCompleted(t.e2e, t.ok);
    if ((i + 1) % perWindow === 0 || i === timings.length - 1) {
      const end = timeline.length * 1000 + 1000;
      timeline.push(w.close(end, 0, { queueDepth: 5, workerRssBytes: null, workerCpuPct: null, jobctlCpuPct: 3 }));
      w = new WindowRecorder(end, true);
    }
  });
  const failed = timings.filter((t) => !t.ok).length;
  const startedAt = opts.startedAt ?? '2026-11-29T08:00:00.000Z';
  const shard: ShardFacts = {
    ...spec, requested: { tasks: null, concurrency: 10 * spec.count, ratePerSec: null, durationMs: null }, thresholds: opts.thresholds ?? [],
    taskIdPrefix: taskIdPrefix(spec), endedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(), producer: { host: `pod-${spec.index}`, pid: 100 + spec.index },
  };
  return {
    schema: LOAD_TEST_SCHEMA, startedAt, durationMs, interrupted: false, mode: 'closed', concurrency: 10, ratePerSec: null, latencyBasis: 'closed loop',
    task: 'proj.tasks.resize', args: [1024], kwargs: {},
    environment: { broker: 'redis://:****@redis.staging:6379/0', backend: 'redis://:****@redis.staging:6379/1', queue: opts.queue ?? 'resize', worker: 'external', pool: null, workerConcurrency: null, python: null, celery: '5.7.0', app: 'proj' },
    counts: { published: timings.length, succeeded: timings.length - failed, failed, lost: 0, unfinished: 0, timedOut: 0, retries: 0, latePublishes: 0 },
    errorTypes: failed ? { ValueError: failed } : {}, errorMessages: failed ? { ValueError: 'bad size' } : {}, workerLogErrors: [], notes: [`shard ${spec.index}/${spec.count} of run ${spec.runId}: this producer's share only`],
    latency: { e2e: e2e.summary(), queueWait: wait.summary(), runtime: run.summary() },
    throughput: { completedPerSec: timings.length / (durationMs / 1000), publishedPerSec: timings.length / (durationMs / 1000), peakCompletedPerSec: 0 },
    queueDepth: { max: 5, end: 0 },
    cpu: { workerMs: null, jobctlMs: 100, workerMsPerTask: null, jobctlMsPerTask: null, workerPct: null, jobctlPct: 2.5 },
    memory: null, timeline, thresholds: [], defaultThresholds: false, passed: true, shard,
  };
}

/** through JSON, as the files are read */
const input = (file: string, r: LoadTestResult): ShardInput => checkShardResult(file, JSON.parse(JSON.stringify(r)));

function timingsOf(values: number[]): Timing[] {
  return values.map((v, i) => ({ e2e: v, wait: v / 3, run: (v * 2) / 3, ok: i % 97 !== 0 }));
}

test('merged percentiles equal those of one producer that recorded the same timings (every percentile, exactly)', () => {
  const values = latencies(30_000);
  const timings = timingsOf(values);
  // one producer recording everything, and the same timings dealt unevenly over 3 producers
  const single = new LatencyRecorder();
  for (const v of values) single.record(v);
  const parts: Timing[][] = [[], [], []];
  timings.forEach((t, i) => parts[(i * 7919) % 5 === 0 ? 0 : i % 3 === 1 ? 1 : 2]!.push(t));
  assert.ok(parts.every((p) => p.length > 3000), `every producer has a real share: ${parts.map((p) => p.length)}`);
  const inputs = parts.map((p, k) => input(`shard-${k + 1}.json`, shardResult({ runId: 'r1', index: k + 1, count: 3 }, p)));
  const merged = mergeShards(inputs, { thresholds: ['p(99.9)<1s', 'queue_wait.p50<1s'] });

  const { histogram: hm, ...mergedFigures } = merged.latency.e2e;
  const { histogram: hs, ...singleFigures } = single.summary();
  assert.deepEqual(mergedFigures, singleFigures, 'count, min, mean, p50 … p99.9, max');
  const a = decodeHistogram(hm);
  const b = decodeHistogram(hs);
  assert.equal(a.totalCount, values.length);
  for (let p = 0; p <= 100_000; p++) {
    const q = p / 1000;
    if (a.getValueAtPercentile(q) !== b.getValueAtPercentile(q)) assert.fail(`percentile ${q}: merged ${a.getValueAtPercentile(q)} µs, one producer ${b.getValueAtPercentile(q)} µs`);
  }
  assert.equal(a.mean, b.mean);
  assert.equal(a.stdDeviation, b.stdDeviation);
  // the thresholds are evaluated on the whole, against the same figures
  assert.equal(merged.thresholds[0]!.actual, single.percentile(99.9));
  assert.equal(merged.defaultThresholds, false);
  // queue wait and run time merge the same way
  const sw = new LatencyRecorder();
  for (const t of timings) sw.record(t.wait);
  assert.equal(merged.latency.queueWait.p99, sw.summary().p99);
  assert.equal(merged.latency.queueWait.max, sw.summary().max);
});

test('counts and error types add up; rates are over the union window; the timeline keeps every task', () => {
  const values = timingsOf(latencies(900, 3));
  const r1 = shardResult({ runId: 'r2', index: 1, count: 2 }, values.slice(0, 500), { startedAt: '2026-11-29T08:00:00.000Z', durationMs: 5000 });
  const r2 = shardResult({ runId: 'r2', index: 2, count: 2 }, values.slice(500), { startedAt: '2026-11-29T08:00:01.000Z', durationMs: 5000 });
  const m = mergeShards([input('b.json', r2), input('a.json', r1)]);
  assert.equal(m.counts.published, 900);
  assert.equal(m.counts.failed, r1.counts.failed + r2.counts.failed);
  assert.equal(m.counts.succeeded, r1.counts.succeeded + r2.counts.succeeded);
  assert.deepEqual(m.errorTypes, { ValueError: m.counts.failed });
  assert.equal(m.startedAt, '2026-11-29T08:00:00.000Z');
  assert.equal(m.durationMs, 6000, 'from the earliest start to the latest end');
  assert.equal(m.throughput.completedPerSec, 150, '900 tasks over 6 s');
  assert.equal(m.concurrency, 20, 'the whole run\'s in-flight tasks');
  assert.equal(m.timeline.reduce((a, p) => a + p.completed, 0), 900);
  assert.equal(m.queueDepth.max, 5, 'one queue seen by both producers: not summed');
  assert.equal(m.merged!.sharedQueue, true);
  assert.deepEqual(m.merged!.shards.map((s) => [s.index, s.file, s.host]), [[1, 'a.json', 'pod-1'], [2, 'b.json', 'pod-2']]);
  // the defaults apply when neither the merge nor the shards name thresholds; one failure in 97 > 1%
  assert.equal(m.defaultThresholds, true);
  assert.deepEqual(m.thresholds.map((t) => [t.expression, t.pass]), [['lost==0', true], ['errors<1%', false]]);
  assert.equal(m.passed, false);
  // the reporters take the merged result as they take a single run's
  const text = renderLoadTestText(m);
  assert.match(text, /█ SHARDS {2}\(run r2: 2 of 2 producers\)/);
  assert.match(text, /1\/2 +pod-1 .* \(a\.json\)/);
  assert.match(renderLoadTestHtml(m), /<table id="shards">/);
  // a worker per producer (private queues): depth and pool sizes add up
  const own = (r: LoadTestResult, queue: string): LoadTestResult => ({ ...r, environment: { ...r.environment, queue, worker: 'private', workerConcurrency: 2 } });
  const apart = mergeShards([input('a.json', own(r1, 'jobctl-load-a')), input('b.json', own(r2, 'jobctl-load-b'))]);
  assert.equal(apart.merged!.sharedQueue, false);
  assert.equal(apart.queueDepth.max, 10);
  assert.equal(apart.environment.workerConcurrency, 4);
  assert.equal(apart.environment.queue, 'jobctl-load-a | jobctl-load-b');
  // the thresholds the shards were given are used when the merge has none
  const withT = mergeShards([input('a.json', { ...r1, shard: { ...r1.shard!, thresholds: ['errors<5%'] } }), input('b.json', { ...r2, shard: { ...r2.shard!, thresholds: ['errors<5%'] } })]);
  assert.deepEqual(withT.thresholds.map((t) => [t.expression, t.pass]), [['errors<5%', true]]);
  assert.equal(withT.passed, true);
});

test('inputs are checked: one run, each shard once, all present (or --allow-missing), one-line errors naming the file', async () => {
  const t = timingsOf(latencies(50, 5));
  const s = (index: number, runId = 'r3', count = 3): LoadTestResult => shardResult({ runId, index, count }, t);
  const code = (fn: () => unknown): { exitCode: number; message: string; file?: string } => {
    try { fn(); } catch (err) { assert.ok(err instanceof JobctlError, String(err)); return { exitCode: err.exitCode, message: err.message, ...(err.file ? { file: err.file } : {}) }; }
    assert.fail('no error');
  };
  let e = code(() => mergeShards([input('a.json', s(1)), input('b.json', s(2, 'other'))]));
  assert.equal(e.exitCode, 2);
  assert.match(e.message, /^b\.json: shard of run 'other', but a\.json is of run 'r3'/);
  e = code(() => mergeShards([input('a.json', s(1)), input('b.json', s(1))]));
  assert.match(e.message, /^b\.json: shard 1\/3 is also a\.json; pass each shard once/);
  e = code(() => mergeShards([input('a.json', s(1)), input('c.json', s(3))]));
  assert.equal(e.exitCode, 2);
  assert.match(e.message, /^run r3: shard 2\/3 missing \(given: 1\/3 a\.json, 3\/3 c\.json\); pass all 3 files, or --allow-missing/);
  e = code(() => mergeShards([input('a.json', s(1)), input('b.json', s(2, 'r3', 4))]));
  assert.match(e.message, /^b\.json: shard 2\/4, but a\.json says the run has 3 shards/);
  e = code(() => mergeShards([input('a.json', s(1)), input('b.json', { ...s(2), task: 'proj.other' }), input('c.json', s(3))]));
  assert.match(e.message, /^b\.json: ran task proj\.other/);
  e = code(() => mergeShards([input('a.json', { ...s(1), shard: { ...s(1).shard!, thresholds: ['p95<1s'] } }), input('b.json', s(2)), input('c.json', s(3))]));
  assert.match(e.message, /^b\.json: its producer was given other --threshold flags/);

  const partial = mergeShards([input('a.json', s(1)), input('c.json', s(3))], { allowMissing: true });
  assert.deepEqual(partial.merged!.missing, [2]);
  assert.equal(partial.passed, false, 'an incomplete run never passes');
  assert.ok(partial.notes!.some((n) => /INCOMPLETE: shard 2\/3 missing/.test(n)));
  assert.match(renderLoadTestText(partial), /FAILED: shard 2\/3 missing/);
  assert.match(renderLoadTestHtml(partial), /<li>INCOMPLETE: shard 2\/3 missing/);

  // foreign and damaged files
  const single = { ...s(1) } as Partial<LoadTestResult>;
  delete single.shard;
  e = code(() => checkShardResult('single.json', single));
  assert.match(e.message, /^single\.json: a load-test result of a run without --shard/);
  e = code(() => checkShardResult('audit.json', { findings: [] }));
  assert.match(e.message, /^audit\.json: not a jobctl load-test result/);
  e = code(() => checkShardResult('failed.json', { error: { message: 'broker redis://:****@x:6379/0 is not reachable', exitCode: 3 } }));
  assert.match(e.message, /^failed\.json: this producer failed \(exit 3: broker .* is not reachable\); rerun that shard/);
  const damaged = JSON.parse(JSON.stringify(s(1))) as LoadTestResult;
  damaged.latency.e2e.histogram = 'HISTFAAAA-not-base64';
  e = code(() => checkShardResult('damaged.json', damaged));
  assert.match(e.message, /^damaged\.json: the e2e histogram is missing or not an HdrHistogram/);
  const edited = JSON.parse(JSON.stringify(s(1))) as LoadTestResult;
  edited.latency.runtime.count += 1;
  e = code(() => checkShardResult('edited.json', edited));
  assert.match(e.message, /^edited\.json: the runtime histogram holds 50 timings but the file says 51/);
  const merged = JSON.parse(JSON.stringify(mergeShards([input('a.json', s(1)), input('b.json', s(2)), input('c.json', s(3))]))) as LoadTestResult;
  e = code(() => checkShardResult('merged.json', merged));
  assert.match(e.message, /^merged\.json: already a merged result/);

  // files: unreadable and not JSON
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-merge-'));
  try {
    writeFileSync(path.join(dir, 'log.json'), 'jobctl: starting\n{"schema":');
    await assert.rejects(mergeShardFiles([path.join(dir, 'log.json')]), (err: JobctlError) => err.exitCode === 2 && /log\.json: not JSON/.test(err.message) && !err.message.includes('\n'));
    await assert.rejects(mergeShardFiles([path.join(dir, 'nope.json')]), (err: JobctlError) => /nope\.json: cannot read it \(ENOENT\)/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--shard: the shares add up to the requested load; task ids of shards and runs never collide', () => {
  for (const [total, n] of [[1000, 3], [7, 7], [50, 4], [10_001, 16]] as const) {
    const shares = Array.from({ length: n }, (_, k) => shareOf(total, { index: k + 1, count: n }));
    assert.equal(shares.reduce((a, b) => a + b, 0), total, `${total} over ${n}`);
    assert.ok(Math.max(...shares) - Math.min(...shares) <= 1);
  }
  const spec = parseShard('2/4', 'rel-42');
  assert.deepEqual(spec, { runId: 'rel-42', index: 2, count: 4 });
  const closed = shardLoad(spec, { shape: { mode: 'closed', concurrency: 50 }, tasks: 1001, durationMs: undefined, thresholds: ['p95<1s'] });
  assert.deepEqual(closed.shape, { mode: 'closed', concurrency: 13 }, '50 = 13 + 13 + 12 + 12');
  assert.equal(closed.tasks, 250, '1001 = 251 + 250 + 250 + 250');
  assert.deepEqual(closed.facts.requested, { tasks: 1001, concurrency: 50, ratePerSec: null, durationMs: null });
  assert.deepEqual(closed.facts.thresholds, ['p95<1s']);
  const open = shardLoad(spec, { shape: { mode: 'open', ratePerSec: 200 }, tasks: undefined, durationMs: 60_000, thresholds: [] });
  assert.deepEqual(open.shape, { mode: 'open', ratePerSec: 50 });
  assert.equal(open.tasks, undefined, '--duration is not split');
  assert.equal(shardLoad(spec, { shape: { mode: 'closed', concurrency: 8 }, tasks: undefined, durationMs: undefined, thresholds: [] }).tasks, 250, 'the default 1000 tasks are split');
  assert.notEqual(taskIdPrefix(spec), taskIdPrefix({ ...spec, index: 1 }));
  assert.notEqual(taskIdPrefix(spec), taskIdPrefix({ ...spec, runId: 'rel-43' }));
  // ':' is not allowed in a run id, so no shard's prefix is the start of another run's
  assert.ok(!taskIdPrefix({ runId: 'a-1of2', index: 1, count: 1 }).startsWith(taskIdPrefix({ runId: 'a', index: 1, count: 2 })));
  const err = (f: () => unknown): string => { try { f(); } catch (e) { return (e as Error).message; } return ''; };
  assert.match(err(() => parseShard('0/4', 'x')), /1-based .* \$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/);
  assert.match(err(() => parseShard('5/4', 'x')), /1-based \(1\/4 … 4\/4\)/);
  assert.match(err(() => parseShard('2', 'x')), /e\.g\. --shard 2\/4/);
  assert.match(err(() => parseShard('1/2', undefined)), /--shard needs --run-id/);
  assert.match(err(() => parseShard('1/2', 'a*b')), /--run-id 'a\*b': use letters/);
  assert.match(err(() => shardLoad(spec, { shape: { mode: 'closed', concurrency: 3 }, tasks: 100, durationMs: undefined, thresholds: [] })), /--concurrency 3 .* at least 4/);
  assert.match(err(() => shardLoad(spec, { shape: { mode: 'closed', concurrency: 8 }, tasks: 3, durationMs: undefined, thresholds: [] })), /--tasks 3 is fewer than the 4 producers/);
});

test('the documented Kubernetes Job: Indexed, N at once, never retried; pod k runs shard k+1/N of one run id', () => {
  const file = path.join(repoRoot, 'templates', 'k8s', 'load-test-shards-job.yaml');
  const job = parseYaml(readFileSync(file, 'utf8')) as {
    kind: string; apiVersion: string;
    spec: { completionMode: string; completions: number; parallelism: number; backoffLimitPerIndex?: number; backoffLimit?: number; template: { spec: { restartPolicy: string; containers: { command: string[]; args: string[]; env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: unknown } }[] }[] } } };
  };
  assert.equal(job.kind, 'Job');
  assert.equal(job.apiVersion, 'batch/v1');
  const { spec } = job;
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.parallelism, spec.completions, 'all producers at the same time');
  assert.equal(spec.backoffLimitPerIndex ?? spec.backoffLimit, 0, 'a producer is never run twice');
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  const c = spec.template.spec.containers[0]!;
  const env = new Map(c.env.map((e) => [e.name, e]));
  assert.equal(Number(env.get('SHARDS')?.value), spec.completions, 'SHARDS = completions');
  assert.match(env.get('JOBCTL_RUN_ID')?.valueFrom?.fieldRef?.fieldPath ?? '', /controller-uid/);
  assert.ok(env.get('JOBCTL_BROKER')?.valueFrom?.secretKeyRef, 'the broker URL from a Secret, not the command line');
  assert.ok(!/redis:\/\/|amqp:\/\//.test(c.args.join(' ')), 'no broker URL on the command line');
  // run the container's shell command as the kubelet would, with a stand-in `jobctl` that prints its arguments
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-k8s-'));
  try {
    writeFileSync(path.join(dir, 'jobctl'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\necho "stderr line" >&2\n', { mode: 0o755 });
    const seen: number[] = [];
    for (let k = 0; k < spec.completions; k++) {
      const script = c.args[0]!.replace('/dev/termination-log', path.join(dir, `termination-${k}`));
      const r = spawnSync(c.command[0]!, [...c.command.slice(1), script], { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH}`, JOB_COMPLETION_INDEX: String(k), SHARDS: env.get('SHARDS')!.value! } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'stderr is kept out of the pod log');
      const argv = r.stdout.trim().split('\n');
      assert.equal(argv[0], 'load-test');
      assert.ok(argv.includes('--json'));
      const shard = parseShard(argv[argv.indexOf('--shard') + 1]!, 'job-uid');
      assert.equal(shard.count, spec.completions);
      seen.push(shard.index);
      assert.deepEqual(JSON.parse(argv[argv.indexOf('--args') + 1]!), [1024], 'shell quoting keeps the JSON argument whole');
    }
    assert.deepEqual(seen, Array.from({ length: spec.completions }, (_, k) => k + 1), 'indexes 0..N-1 become shards 1..N');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
