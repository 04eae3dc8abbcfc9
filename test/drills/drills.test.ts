// The drill matrix on real redis-server and real Celery 5.6.3 / 5.7.0: for every drill, a fixture
// configured to pass it and one configured to fail it (fixtures/drill-<id>-pass|fail), then proof
// that nothing is left behind (no process jobctl started, no drill broker folder). Budget: the
// 20 runs go three at a time (each has its own broker and worker), ~2 minutes on 2 cores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { runDrills, ALL_DRILLS, type DrillReport, type DrillId } from '../../src/drills/index.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { fixturesDir } from '../support/fixtures.js';

const VERSIONS = ['5.6.3', '5.7.0'];
const py: Record<string, string> = {};
const results = new Map<string, DrillReport>();

async function pool<T>(jobs: (() => Promise<T>)[], size: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < jobs.length) await jobs[next++]!();
  }));
}

before(async () => {
  for (const v of VERSIONS) py[v] = ensureCeleryVenv(v);
  const jobs = VERSIONS.flatMap((v) => ALL_DRILLS.flatMap((id) => (['pass', 'fail'] as const).map((kind) => async () => {
    const r = await runDrills({ root: path.join(fixturesDir, `drill-${id}-${kind}`), python: py[v]!, only: [id as DrillId], env: { ...process.env } });
    results.set(`${v}/${id}/${kind}`, r);
  })));
  const t0 = Date.now();
  await pool(jobs, 3);
  process.stderr.write(`drill matrix: ${jobs.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
});

for (const v of VERSIONS) {
  for (const id of ALL_DRILLS) {
    test(`celery ${v}: ${id} passes on fixtures/drill-${id}-pass and fails on fixtures/drill-${id}-fail`, () => {
      const pass = results.get(`${v}/${id}/pass`)!;
      const fail = results.get(`${v}/${id}/fail`)!;
      const p = pass.drills[0]!;
      const f = fail.drills[0]!;
      const show = (d: typeof p): string => `${d.verdict}: ${d.summary}\n${d.timeline.map((e) => `${e.atMs} ${e.event}`).join('\n')}`;
      assert.equal(pass.celeryVersion, v);
      assert.equal(p.verdict, 'pass', show(p));
      assert.equal(pass.exitCode, 0);
      assert.equal(f.verdict, 'fail', show(f));
      assert.equal(fail.exitCode, 1);
      assert.ok(p.durationMs <= p.budgetMs && f.durationMs <= f.budgetMs, 'within the budget');
      assert.ok(f.setting.fix.length > 0 && f.setting.sources.length > 0, 'a failed drill names the setting, the fix and its sources');
    });
  }
}

test('what each drill measured is the mechanism it claims', () => {
  for (const v of VERSIONS) {
    const r = (id: string, kind: string) => results.get(`${v}/${id}/${kind}`)!.drills[0]!;
    // broker restart: AOF keeps every task; the no-retry app never consumes again
    assert.equal(r('broker-restart', 'pass').counts.lost, 0);
    assert.ok(r('broker-restart', 'pass').counts.resume_ms! >= 0);
    assert.equal(r('broker-restart', 'fail').counts.resume_ms, -1);
    // pool kill: defaults record one WorkerLostError; reject_on_worker_lost loops
    assert.equal(r('pool-kill', 'pass').counts.deliveries, 1);
    assert.ok(r('pool-kill', 'pass').timeline.some((e) => /WorkerLostError/.test(e.event)));
    assert.ok(r('pool-kill', 'fail').counts.deliveries! >= 3);
    // visibility timeout: duplicates counted, and kombu's restore measured
    assert.equal(r('visibility-timeout', 'pass').counts.duplicates, 0);
    assert.ok(r('visibility-timeout', 'fail').counts.duplicates! >= 1);
    assert.ok(r('visibility-timeout', 'fail').counts.first_restore_ms! > 3000, 'not restored before the (scaled) visibility timeout');
    // maxmemory: evictions only under the evicting policy
    assert.equal(r('maxmemory', 'pass').counts.evicted_keys, 0);
    assert.ok(r('maxmemory', 'fail').counts.evicted_keys! > 0);
    // warm shutdown: finished vs lost
    assert.equal(r('warm-shutdown', 'pass').counts.finished, 1);
    assert.equal(r('warm-shutdown', 'fail').counts.lost, 1);
  }
});

test('an interrupted drill reports what it measured and ends every process', async () => {
  const ac = new AbortController();
  // Ctrl-C once the task has been delivered (whatever the machine's speed)
  const r = await runDrills({ root: path.join(fixturesDir, 'drill-pool-kill-fail'), python: py['5.7.0']!, only: ['pool-kill'], signal: ac.signal, onEvent: (_id, e) => { if (/delivery 1 started/.test(e.event)) ac.abort(); } });
  assert.equal(r.interrupted, true);
  assert.equal(r.exitCode, 130);
  assert.equal(r.drills[0]!.verdict, 'skip');
  assert.ok(r.drills[0]!.timeline.some((e) => /delivery 1 started/.test(e.event)), 'the timeline up to the interrupt is kept');
  assert.deepEqual(liveManagedProcesses(), []);
});

test('nothing is left behind: no process jobctl started, no drill broker or log folder', () => {
  assert.deepEqual(liveManagedProcesses().map((p) => p.label), []);
  const left = readdirSync(os.tmpdir()).filter((n) => n.startsWith('jobctl-drill-') || n.startsWith('jobctl-worker-'));
  assert.deepEqual(left, [], 'every drill broker (its data, AOF and keys) and execution log was removed');
});

test('Ctrl-C on `jobctl drill`: exit 130, the measured timeline printed, no process or folder left', async () => {
  const bin = path.join(fixturesDir, '..', 'bin', 'run.js');
  const child = spawn(process.execPath, [bin, 'drill', path.join(fixturesDir, 'drill-pool-kill-fail'), '--only', 'pool-kill', '--python', py['5.7.0']!], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  let sent = false;
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    if (!sent && /delivery 1 started/.test(err)) { sent = true; child.kill('SIGINT'); } // once: a second Ctrl-C forces the exit
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, err.slice(-800));
  assert.match(out, /interrupted after 1 drill/);
  assert.match(out, /delivery 1 started/);
  const pids = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /jobctl-drill-[0-9a-f]{8}@jobctl/.test(l));
  assert.deepEqual(pids, []);
  assert.deepEqual(readdirSync(os.tmpdir()).filter((n) => n.startsWith('jobctl-drill-')), []);
});
