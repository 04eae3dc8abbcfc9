// jobctl verify against real PyPI packages, a real redis-server and real workers: a requirements
// conflict fails at deps, an app that breaks under the target fails at import, a full rehearsal of
// the 5.3.4 seed runs every stage and reports what really changes, and an interrupt leaves nothing
// half-built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { runVerify } from '../../src/verify/index.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

// venvs are cached across test runs (keyed by their requirements), outside the fixtures
const cacheEnv = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-test') };

function stage(r: Awaited<ReturnType<typeof runVerify>>, id: string) {
  const s = r.stages.find((x) => x.id === id);
  assert.ok(s, `stage ${id} ran`);
  return s;
}

/** processes whose command line mentions this path (a worker or pip left behind) */
function processesUsing(fragment: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(fragment) && !l.includes('ps -eo'));
}

test('a hand-pinned kombu that the target excludes: the target side installs the plan\'s companion pin, and the static stage names the conflict the upgrade brings', async () => {
  const dir = checkoutFixture('verify-conflict');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['static', 'deps'], renderer: 'silent', env: cacheEnv });
    const deps = stage(r, 'deps');
    assert.equal(deps.current?.status, 'pass', 'the current pins resolve');
    // the rehearsal installs what the plan writes: kombu 5.5.4 -> 5.7.0 next to celery 5.7.0
    assert.ok(deps.target?.evidence.some((e) => /with celery==5\.7\.0: celery\[redis\]==5\.7\.0 kombu==5\.7\.0$/.test(e)), deps.target?.evidence.join('\n'));
    assert.equal(deps.target?.status, 'pass');
    const st = stage(r, 'static');
    assert.equal(st.status, 'fail');
    assert.ok(st.evidence.some((e) => /requirements\.txt:2 JC302 .*kombu==5\.5\.4/.test(e)), st.evidence.join('\n'));
    assert.equal(r.exitCode, 1);
  } finally {
    removeDir(dir);
  }
});

test('an app that imports a name the target removed fails at import under the target only', async () => {
  const dir = checkoutFixture('verify-import-breaks');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps', 'import'], renderer: 'silent', env: cacheEnv });
    assert.equal(stage(r, 'deps').status, 'pass');
    const imp = stage(r, 'import');
    assert.equal(imp.status, 'fail');
    assert.equal(imp.current?.status, 'pass');
    assert.equal(imp.current?.figures.tasks, 1);
    assert.equal(imp.target?.status, 'fail');
    assert.match(imp.reason ?? '', /cannot import name 'maybe_sanitize_url' from 'celery\.app\.utils'.*proj\/celery\.py:5/);
    assert.equal(r.exitCode, 1);
  } finally {
    removeDir(dir);
  }
});

test('rehearsal 5.3.4 → 5.7.0 on the medical-chat seed runs every stage for real and reports what changes', async () => {
  const dir = checkoutFixture('seed-medical-chat');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', renderer: 'silent', env: cacheEnv, loadTasks: 150, loadConcurrency: 10 });
    assert.deepEqual(r.stages.map((s) => `${s.id}:${s.status}`), ['static:pass', 'deps:pass', 'import:pass', 'smoke:pass', 'load:pass', 'tests:skip']);
    assert.equal(r.current.version, '5.3.4');
    assert.equal(r.current.source, 'apps/backend/requirements.txt:6');
    assert.equal(r.target, '5.7.0');
    const imp = stage(r, 'import');
    assert.equal(imp.current?.figures.tasks, 8);
    assert.equal(imp.target?.figures.tasks, 8);
    // the real difference: 5.3.x warns about broker_connection_retry at start-up, 5.7.0 does not (#9227 in 5.5)
    const smoke = stage(r, 'smoke');
    assert.ok(smoke.current?.evidence.some((e) => /CPendingDeprecationWarning: The broker_connection_retry/.test(e)), 'the 5.3.4 worker printed the warning');
    assert.ok(!smoke.target?.evidence.some((e) => /CPendingDeprecationWarning/.test(e)), 'the 5.7.0 worker did not');
    assert.ok(smoke.evidence.some((e) => /^gone under 5\.7\.0: worker warning: CPendingDeprecationWarning/.test(e)));
    const load = stage(r, 'load');
    assert.equal(load.current?.figures.lost, 0);
    assert.equal(load.target?.figures.lost, 0);
    assert.ok(r.comparison.some((c) => c.stage === 'load' && c.metric === 'throughput_per_s' && typeof c.current === 'number' && typeof c.target === 'number'));
    assert.equal(r.exitCode, 0);
    assert.deepEqual(processesUsing(dir), [], 'no worker left running');
  } finally {
    removeDir(dir);
  }
});

test('interrupting a venv build leaves nothing half-built, and the next run completes', async () => {
  const dir = checkoutFixture('verify-import-breaks');
  const cache = mkdtempSync(path.join(tmpdir(), 'jobctl-verify-cache-'));
  const env = { ...process.env, JOBCTL_CACHE_DIR: cache };
  try {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 4000); // pip is mid-install by then
    const r = await runVerify({ root: dir, stages: ['import'], renderer: 'silent', env, signal: abort.signal });
    clearTimeout(timer);
    assert.equal(r.interrupted, true);
    assert.equal(r.exitCode, 130);
    const venvs = path.join(cache, 'venvs');
    const left = existsSync(venvs) ? readdirSync(venvs).filter((n) => n.includes('.building-')) : [];
    assert.deepEqual(left, [], 'no half-built venv');
    assert.deepEqual(processesUsing(cache), [], 'no pip left running');
    const again = await runVerify({ root: dir, stages: ['import'], renderer: 'silent', env });
    assert.equal(stage(again, 'import').status, 'pass');
  } finally {
    removeDir(dir);
    removeDir(cache);
  }
});

test('CLI: --json prints only the result; unknown stage is a one-line usage error', () => {
  const dir = checkoutFixture('verify-conflict');
  try {
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { encoding: 'utf8', env: { ...cacheEnv, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    const j = run(['verify', dir, '--to', '5.7.0', '--stages', 'static,deps', '--json']);
    assert.equal(j.status, 1);
    const parsed = JSON.parse(j.stdout) as { stages: { id: string; status: string }[]; ok: boolean };
    assert.deepEqual(parsed.stages.map((s) => `${s.id}:${s.status}`), ['static:fail', 'deps:pass']);
    const bad = run(['verify', dir, '--stages', 'static,nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.trim(), /^jobctl: --stages: unknown stage 'nope'; use any of static,deps,import,smoke,load,tests,drills$/);
  } finally {
    removeDir(dir);
  }
});

test("the tests stage runs the project's pytest suite under the target and leaves the project untouched", async () => {
  const dir = checkoutFixture('verify-with-tests');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['tests'], renderer: 'silent', env: cacheEnv });
    const t = stage(r, 'tests');
    assert.equal(t.status, 'pass', `${t.reason}\n${t.evidence.join('\n')}`);
    assert.match(t.evidence.join('\n'), /under celery 5\.7\.0: 2 passed/);
    const status = execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: dir, encoding: 'utf8' });
    assert.equal(status, '', 'no file written into the project');
  } finally {
    removeDir(dir);
  }
});
