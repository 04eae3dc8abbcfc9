// Pure parts of load-test: flag parsing, the leak verdict on known series, baseline deltas, the
// process-tree sampler on a real process tree, and the HTML/text renderers on a built result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDuration, parseJsonArgs, parseJsonKwargs, parseRate } from '../../src/loadtest/options.js';
import { analyseMemory, processTree, TreeSampler, type TreeSample } from '../../src/loadtest/memory.js';
import { compareWithBaseline, readBaseline } from '../../src/loadtest/baseline.js';
import { probeTask } from '../../src/loadtest/environment.js';
import { JobctlError } from '../../src/util/errors.js';
import { sampleResult } from './sample-result.js';

test('--rate and --duration parse to per-second and milliseconds', () => {
  assert.equal(parseRate('200/s'), 200);
  assert.equal(parseRate('200'), 200);
  assert.equal(parseRate('6000/m'), 100);
  assert.throws(() => parseRate('fast'), /--rate 'fast': write a number of tasks per second/);
  assert.throws(() => parseRate('0/s'), /above 0/);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2'), 2000);
  assert.throws(() => parseDuration('10 parsecs'), /--duration '10 parsecs': write a duration like 60s/);
  assert.deepEqual(parseJsonArgs('[1024]'), [1024]);
  assert.throws(() => parseJsonArgs('{"a":1}'), /must be a JSON array/);
  assert.throws(() => parseJsonArgs('[1,'), /not JSON/);
  assert.deepEqual(parseJsonKwargs('{"size":1}'), { size: 1 });
  assert.throws(() => parseJsonKwargs('[1]'), /must be a JSON object/);
});

test('--probe maps to the probe module tasks', () => {
  assert.deepEqual(probeTask('sleep:20'), { task: 'jobctl_loadprobe.sleep', args: [20] });
  assert.deepEqual(probeTask('noop'), { task: 'jobctl_loadprobe.noop', args: [] });
  assert.deepEqual(probeTask('asyncio:5'), { task: 'jobctl_loadprobe.asyncio_sleep', args: [5] });
  assert.throws(() => probeTask('sleep'), (e: unknown) => e instanceof JobctlError && /needs an amount/.test(e.message));
  assert.throws(() => probeTask('explode'), /use one of noop, sleep/);
});

function series(n: number, rss: (completed: number, i: number) => number): TreeSample[] {
  return Array.from({ length: n }, (_, i) => {
    const completed = i * 50;
    return { tMs: i * 500, completed, rssBytes: Math.round(rss(completed, i)), perPid: {}, cpuMs: i * 10 };
  });
}

test('leak verdict: a steady climb is a leak, a flat noisy line and start-up growth are not', () => {
  const MiB = 1024 * 1024;
  // 100 KiB per task kept: ~98 MiB per 1,000 tasks
  const leak = analyseMemory(series(40, (c) => 140 * MiB + c * 100 * 1024), 100);
  assert.equal(leak.verdict, 'leak', leak.reason);
  assert.ok(leak.per1kTasksBytes! > 90 * MiB && leak.per1kTasksBytes! < 110 * MiB);
  // flat with ±2 MiB noise (deterministic)
  const flat = analyseMemory(series(40, (_c, i) => 140 * MiB + ((i * 7919) % 5 - 2) * MiB), 100);
  assert.equal(flat.verdict, 'no-leak', flat.reason);
  // big growth during warm-up (imports, caches), flat after it
  const warm = analyseMemory(series(40, (c) => (c < 300 ? 100 * MiB + c * 100_000 : 130 * MiB)), 300);
  assert.equal(warm.verdict, 'no-leak', warm.reason);
  // too short to judge
  assert.equal(analyseMemory(series(3, () => 1), 0).verdict, 'insufficient-data');
});

test('leak verdict rests on the fitted slope and its confidence: +2.9 MiB per 1,000 tasks with R²=1 on a big worker is a leak', () => {
  const MiB = 1024 * 1024;
  // 600 MiB worker, 2,000 tasks after warm-up: +5.8 MiB, under 1 % growth (the old 5 % rule said "no leak")
  const big = analyseMemory(series(41, (c) => 600 * MiB + c * 2.9 * MiB / 1000), 0);
  assert.equal(big.fitR2, 1);
  assert.ok(big.growthPct! < 1, `growth ${big.growthPct}%`);
  assert.equal(big.verdict, 'leak', big.reason);
  assert.match(big.reason, /\+2\.9 MiB per 1,000 tasks \(R²=1, at least \+2\.9 MiB with ~95% confidence\)/);
  // the same slope on a noisy line whose confidence interval includes 0 is not called a leak
  const noisy = analyseMemory(series(41, (c, i) => 600 * MiB + c * 2.9 * MiB / 1000 + ((i * 7919) % 7 - 3) * 4 * MiB), 0);
  assert.equal(noisy.verdict, 'no-leak', noisy.reason);
});

test('the tree sampler sees a real process and all its children, with RSS and CPU', async () => {
  // sh forks two children that live for a few seconds; one burns a bit of CPU first
  const child = spawn('sh', ['-c', 'sleep 5 & (i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 5) & wait'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 400));
    const pids = await processTree(child.pid!);
    assert.ok(pids.includes(child.pid!));
    assert.ok(pids.length >= 3, `sh + 2 children, got ${pids.join(',')}`);
    const s = await new TreeSampler(child.pid!).sample();
    assert.ok(s, 'sampled');
    assert.ok(s.rssBytes > 1024 * 1024, 'some RSS');
    assert.equal(Object.keys(s.perPid).length, pids.length);
    assert.ok(s.cpuMs >= 0);
  } finally {
    child.kill('SIGKILL');
    for (const pid of await processTree(child.pid!).catch(() => [])) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  assert.equal(await new TreeSampler(999_999_999).sample(), null, 'a missing root gives null');
});

test('baseline: reads an earlier result and flags what got worse', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-lt-base-'));
  try {
    const before = sampleResult();
    const file = path.join(dir, 'previous.json');
    writeFileSync(file, JSON.stringify(before));
    const read = await readBaseline(file);
    const after = sampleResult();
    after.latency.e2e.p95 = before.latency.e2e.p95 * 1.5;
    after.throughput.completedPerSec = before.throughput.completedPerSec * 1.02;
    const cmp = compareWithBaseline(after, read, file);
    const p95 = cmp.deltas.find((d) => d.metric.startsWith('e2e.p95'))!;
    assert.equal(p95.changePct, 50);
    assert.equal(p95.worse, true);
    assert.equal(cmp.deltas.find((d) => d.metric.startsWith('throughput'))!.worse, false);
    writeFileSync(path.join(dir, 'other.json'), '{"findings": []}');
    await assert.rejects(readBaseline(path.join(dir, 'other.json')), /not a jobctl load-test result/);
    await assert.rejects(readBaseline(path.join(dir, 'missing.json')), /cannot read the baseline \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the user's app is checked before a load starts", async () => {
  const { checkAppForLoad } = await import('../../src/loadtest/environment.js');
  const base = {
    main: 'proj', task_serializer: 'json', result_serializer: 'json', accept_content: ['json'], result_accept_content: null,
    task_default_queue: 'celery', task_ignore_result: false, worker_pool: 'prefork', worker_concurrency: null, broker_scheme: 'redis',
    backend_scheme: 'redis', global_keyprefix: null, result_global_keyprefix: null, priority_steps: null, include: null, imports: null,
    tasks_before_worker: ['celery.chord', 'proj.tasks.resize'],
  };
  const ctx = { app: 'proj', task: 'proj.tasks.resize', celeryVersion: '5.7.0' };
  assert.doesNotThrow(() => checkAppForLoad(base, ctx));
  assert.throws(() => checkAppForLoad({ ...base, accept_content: ['pickle'] }, ctx), /accept_content is \["pickle"\]; jobctl publishes JSON/);
  assert.throws(() => checkAppForLoad({ ...base, result_serializer: 'pickle' }, ctx), /result_serializer is 'pickle'/);
  assert.throws(() => checkAppForLoad(base, { ...ctx, task: 'proj.tasks.nope' }), /no task named 'proj.tasks.nope' is registered \(registered: proj.tasks.resize\)/);
  assert.doesNotThrow(() => checkAppForLoad(base, { ...ctx, task: 'jobctl_loadprobe.noop' }), 'probe tasks are included later');
  // task_ignore_result: the header override exists from 5.6.3 on, not in 5.6.2
  assert.throws(() => checkAppForLoad({ ...base, task_ignore_result: true }, { ...ctx, celeryVersion: '5.6.2' }), /task_ignore_result is True/);
  assert.doesNotThrow(() => checkAppForLoad({ ...base, task_ignore_result: true }, { ...ctx, celeryVersion: '5.6.3' }));
  assert.throws(() => checkAppForLoad({ ...base, global_keyprefix: 'x' }, ctx), /global_keyprefix/);
  // the same for a task declared with ignore_result=True
  const ignoring = { ...base, tasks_ignoring_results: ['proj.tasks.resize'] };
  assert.throws(() => checkAppForLoad(ignoring, { ...ctx, celeryVersion: '5.6.2' }), /'proj\.tasks\.resize' is declared with ignore_result=True/);
  assert.doesNotThrow(() => checkAppForLoad(ignoring, ctx));
});
