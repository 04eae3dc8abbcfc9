// Parse worker threads (src/model/python/parse-pool.ts): the audit is the same with threads on and off (fixtures,
// a project with syntax errors, one PyPI corpus project), the workers really parse, they end (no hang on exit,
// also when the caller throws), and they stay off when only one core is free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProjectModel } from '../../src/model/index.js';
import { pythonReadStats } from '../../src/model/python/index.js';
import { factCacheStats } from '../../src/model/python/fact-cache.js';
import { chooseThreads } from '../../src/model/python/parse-pool.js';
import { runAudit } from '../../src/engine/audit.js';
import { JobctlError } from '../../src/util/errors.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';
import { jobctl, show } from '../support/cli.js';

/** The audit's JSON without what differs between any two runs (durations). */
async function auditJson(dir: string, threads: number): Promise<{ json: string; workers: number; parsedByWorkers: number; eager: number }> {
  const model = await buildProjectModel(dir, { python: threads > 0 ? { threads, workersOnly: true } : { threads: 0 } });
  const stats = pythonReadStats(model)!;
  const result = await runAudit(dir, { model });
  const { durationMs: _d, timings: _t, ...summary } = result.summary;
  return { json: JSON.stringify({ ...result, summary }, null, 1), workers: stats.threads.workers, parsedByWorkers: stats.threads.parsedByWorkers, eager: stats.eager };
}

async function assertSameWithThreads(dir: string, label: string): Promise<number> {
  const off = await auditJson(dir, 0);
  const on = await auditJson(dir, 2);
  assert.equal(off.workers, 0);
  assert.ok(on.workers > 0, `${label}: no worker started`);
  assert.equal(on.json, off.json, `${label}: the audit differs with parse threads`);
  return on.parsedByWorkers;
}

test('the audit is identical with parse threads on and off on fixtures, and the workers parse', async () => {
  let byWorkers = 0;
  for (const name of ['seed-visualization-fastapi', 'precision', 'true-negatives', 'seed-scheduler-checklist', 'django-template-settings', 'django-namespace', 'readiness']) {
    const dir = checkoutFixture(name);
    try {
      byWorkers += await assertSameWithThreads(dir, name);
    } finally {
      removeDir(dir);
    }
  }
  assert.ok(byWorkers > 20, `the workers parsed only ${byWorkers} fixture files`);
});

test('syntax errors and an empty file read the same with parse threads', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-threads-'));
  try {
    mkdirSync(path.join(dir, 'proj'));
    writeFileSync(path.join(dir, 'proj', '__init__.py'), '');
    writeFileSync(path.join(dir, 'proj', 'celery.py'), 'from celery import Celery\napp = Celery("proj")\napp.conf.update(task_acks_late=True,\n');
    writeFileSync(path.join(dir, 'proj', 'tasks.py'), 'from .celery import app\n\n@app.task(\ndef broken(:\n    return 1\n\n@app.task\ndef fine(x):\n    return x\n');
    writeFileSync(path.join(dir, 'proj', 'ok.py'), '# é ü 日本 — a non-Latin-1 file\nfrom celery import shared_task\n\n@shared_task\ndef add(x, y):\n    return "日本" + x + y\n');
    const byWorkers = await assertSameWithThreads(dir, 'syntax-error project');
    assert.ok(byWorkers >= 3, `the workers parsed ${byWorkers} files`);
  } finally {
    removeDir(dir);
  }
});

test('a PyPI corpus project (pretalx) audits the same with parse threads', async () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'corpus-fetch.mjs'), 'pretalx'], { encoding: 'utf8' });
  const dir = path.join(repoRoot, '.cache', 'corpus', 'src', 'pretalx-2025.2.2');
  assert.ok(existsSync(path.join(dir, '.jobctl-corpus-complete')), `pretalx is not in .cache/corpus: ${r.stderr}`);
  const byWorkers = await assertSameWithThreads(dir, 'pretalx');
  assert.ok(byWorkers > 10, `the workers parsed ${byWorkers} pretalx files`);
});

test('trees the workers parse go into the fact cache: the warm run parses nothing and audits the same', async () => {
  const dir = checkoutFixture('seed-visualization-fastapi');
  const cacheHome = mkdtempSync(path.join(tmpdir(), 'jobctl-threads-cache-'));
  const saved = process.env.JOBCTL_CACHE_DIR;
  process.env.JOBCTL_CACHE_DIR = cacheHome;
  try {
    const audit = async (threads: number): Promise<{ json: string; parsedByWorkers: number; parsed: number; treeHits: number }> => {
      const model = await buildProjectModel(dir, { cache: true, python: { threads, workersOnly: true } });
      const result = await runAudit(dir, { model });
      const { durationMs: _d, timings: _t, ...summary } = result.summary;
      const cache = factCacheStats(model)!;
      return { json: JSON.stringify({ ...result, summary }), parsedByWorkers: pythonReadStats(model)!.threads.parsedByWorkers, parsed: cache.parsed.length, treeHits: cache.treeHits };
    };
    const cold = await audit(2);
    assert.ok(cold.parsedByWorkers > 3, `the workers parsed ${cold.parsedByWorkers} files`);
    const warm = await audit(2);
    assert.equal(warm.parsed, 0, 'the warm run parsed files the workers had parsed');
    assert.equal(warm.parsedByWorkers, 0, 'nothing left for the workers on a warm run');
    assert.ok(warm.treeHits >= cold.parsedByWorkers);
    assert.equal(warm.json, cold.json);
    assert.equal(JSON.stringify(JSON.parse((await auditJson(dir, 0)).json)), cold.json, 'threads and cache, or neither: the same audit');
  } finally {
    if (saved === undefined) delete process.env.JOBCTL_CACHE_DIR;
    else process.env.JOBCTL_CACHE_DIR = saved;
    removeDir(cacheHome);
    removeDir(dir);
  }
});

test('the process exits when the reader is done with its workers, and when the caller throws', () => {
  const dist = path.join(repoRoot, 'dist', 'src', 'model');
  const script = `
    const { buildProjectModel } = await import(${JSON.stringify(path.join(dist, 'index.js'))});
    const { ParsePool } = await import(${JSON.stringify(path.join(dist, 'python', 'parse-pool.js'))});
    const m = await buildProjectModel(${JSON.stringify(path.join(repoRoot, 'fixtures', 'precision'))}, { python: { threads: 2, workersOnly: true } });
    const files = Array.from({ length: 40 }, (_, i) => ({ file: 'f' + i + '.py', kind: 'python', text: 'def f():\\n    return ' + i + '\\n' }));
    const pool = new ParsePool(files, 2, false);
    try {
      await pool.take(0);
      throw new Error('the caller failed');
    } catch (err) {
      process.stdout.write('caught: ' + err.message + '\\n');
    } finally {
      await pool.close();
    }
    process.stdout.write('tasks ' + m.tasks.length + '\\n');`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the process did not exit by itself (killed after ${Date.now() - t0} ms): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /caught: the caller failed/);
  assert.match(r.stdout, /tasks [1-9]/);
});

test('threads are off when only one core is free, on request, and for a small parse', () => {
  const big = { eagerChars: 60_000_000, eagerFiles: 3000, env: {} };
  assert.equal(chooseThreads({ ...big, cores: 1, load: 0 }).workers, 0);
  assert.equal(chooseThreads({ ...big, cores: 2, load: 1.2 }).workers, 0, 'two cores, one busy: one free');
  assert.equal(chooseThreads({ ...big, cores: 8, load: 7.5 }).workers, 0);
  assert.match(chooseThreads({ ...big, cores: 2, load: 1.2 }).reason, /off: 0\.8 of 2 cores free/);
  assert.equal(chooseThreads({ ...big, cores: 2, load: 0 }).workers, 1, 'two idle cores: one worker beside the main thread');
  assert.equal(chooseThreads({ ...big, cores: 16, load: 0 }).workers, 3, 'never more than 3 automatically');
  assert.equal(chooseThreads({ ...big, eagerChars: 1_200_000, cores: 16, load: 0 }).workers, 0, "too little to parse (saleor's eager parse)");
  assert.equal(chooseThreads({ ...big, eagerChars: 28_000_000, cores: 16, load: 0 }).workers, 2, 'one worker per 10 M characters');
  // JOBCTL_THREADS and the option
  assert.equal(chooseThreads({ ...big, env: { JOBCTL_THREADS: '0' }, cores: 16, load: 0 }).workers, 0);
  assert.equal(chooseThreads({ ...big, env: { JOBCTL_THREADS: '2' }, cores: 1, load: 3 }).workers, 2, 'asked for: used even on a busy machine');
  assert.equal(chooseThreads({ ...big, env: { JOBCTL_THREADS: 'auto' }, cores: 1, load: 0 }).workers, 0);
  assert.equal(chooseThreads({ ...big, eagerFiles: 1, env: { JOBCTL_THREADS: '4' } }).workers, 1, 'no more workers than files');
  assert.equal(chooseThreads({ ...big, requested: 0, env: { JOBCTL_THREADS: '4' } }).workers, 0, 'the option wins over the environment');
  assert.throws(() => chooseThreads({ ...big, env: { JOBCTL_THREADS: 'many' } }), (e: unknown) => e instanceof JobctlError && /JOBCTL_THREADS=many.*set 0/.test(e.message));
});

test('CLI: JOBCTL_THREADS=2 audits like JOBCTL_THREADS=0; a value that is not a count is a one-line error (exit 2)', async () => {
  const dir = checkoutFixture('precision');
  try {
    const env = { JOBCTL_NO_CACHE: '1' };
    const [off, on, bad] = await Promise.all([
      jobctl(['audit', dir, '--json', '--exit-zero'], { env: { ...env, JOBCTL_THREADS: '0' } }),
      jobctl(['audit', dir, '--json', '--exit-zero'], { env: { ...env, JOBCTL_THREADS: '2' } }),
      jobctl(['audit', dir], { env: { ...env, JOBCTL_THREADS: 'lots' } }),
    ]);
    const stable = (out: string): string => JSON.stringify(JSON.parse(out), (k, v: unknown) => (k === 'durationMs' || k === 'timings' ? undefined : v));
    assert.equal(off.code, 0, show(off));
    assert.equal(on.code, 0, show(on));
    assert.equal(stable(on.stdout), stable(off.stdout));
    assert.equal(bad.code, 2, show(bad));
    assert.equal(bad.stderr.trim().split('\n').length, 1, show(bad));
    assert.match(bad.stderr, /JOBCTL_THREADS=lots: not a number of parse threads; set 0 \(off\)/);
  } finally {
    removeDir(dir);
  }
});
