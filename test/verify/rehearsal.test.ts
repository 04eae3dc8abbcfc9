// verify rehearses the upgrade plan itself: the target side is a copy of the project with the plan's
// edits applied (the project is never touched), each side is installed as the user's pip would
// (nothing injected; --constraint passed through), and the summary says per side what worked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runVerify } from '../../src/verify/index.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

const cacheEnv = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-test') };
const rehearsalDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('jobctl-rehearsal-'));

test('Django with restricted queues: a fresh install of celery 5.3.6 today is broken (kombu 5.7 refuses redis-py 5), the plan\'s target is not; --constraint is honoured', async () => {
  const dir = checkoutFixture('runtime-django-queues');
  const before = readFileSync(path.join(dir, 'requirements.txt'), 'utf8');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['static', 'deps'], renderer: 'silent', env: cacheEnv });
    const [cur, tgt] = r.summary!;
    assert.equal(cur?.role, 'current');
    assert.match(cur!.freshInstall, /^broken \(.*VersionMismatch.*redis-py/);
    assert.equal(tgt?.freshInstall, 'OK');
    const deps = r.stages.find((s) => s.id === 'deps')!;
    // the target's lines come from the plan applied to a copy: celery pinned to 5.7.0, Django kept
    assert.ok(deps.target?.evidence.some((e) => /requirements from requirements\.txt with celery==5\.7\.0: Django==4\.2\.16 celery\[redis\]==5\.7\.0/.test(e)), deps.target?.evidence.join('\n'));
    assert.equal(readFileSync(path.join(dir, 'requirements.txt'), 'utf8'), before, 'the project is untouched');
    // the team's own constraints file (what their CI passes to pip) keeps kombu on the 5.3 line
    const c = path.join(mkdtempSync(path.join(tmpdir(), 'jobctl-c-')), 'constraints.txt');
    writeFileSync(c, 'kombu>=5.3.4,<5.4\n');
    const rc = await runVerify({ root: dir, stages: ['deps'], renderer: 'silent', env: cacheEnv, constraint: c });
    assert.equal(rc.summary![0]!.freshInstall, 'OK', JSON.stringify(rc.stages[0]!.evidence));
    await assert.rejects(runVerify({ root: dir, stages: ['deps'], renderer: 'silent', env: cacheEnv, constraint: path.join(dir, 'nope.txt') }), /--constraint .*nope\.txt: no such file/);
  } finally {
    removeDir(dir);
  }
});

test('Flask with conf.update(app.config): the plan applied to a copy is rehearsed to 5.7.0 (import, smoke, load); the current side\'s fresh install breaks at worker start and the summary says so', async () => {
  const dir = checkoutFixture('runtime-flask-factory');
  const leftBefore = new Set(rehearsalDirs());
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps', 'import', 'smoke', 'load'], renderer: 'silent', env: cacheEnv, loadTasks: 100, loadConcurrency: 10 });
    const byId = Object.fromEntries(r.stages.map((s) => [s.id, s]));
    for (const id of ['import', 'smoke', 'load']) assert.equal(byId[id]!.target?.status, 'pass', `${id}: ${JSON.stringify(byId[id])}`);
    assert.ok(byId.import!.target!.evidence.some((e) => /^plan edits applied to a copy: requirements\.txt: /.test(e)), byId.import!.target!.evidence.join('\n'));
    // celery[redis]==5.3.6 today pulls kombu 5.7.0, whose Redis transport needs `packaging` (only in
    // kombu's own [redis] extra) and redis-py >= 6.1: the current side breaks, named with the real
    // exception and the side; the target side still runs
    assert.match(`${byId.import!.reason}`, /^current side \(celery 5\.3\.6\): app app\.celery_worker:celery does not import — ModuleNotFoundError: No module named 'packaging'/);
    assert.ok(byId.smoke!.evidence.includes('current side left out: import failed there'));
    const tgt = r.summary!.find((s) => s.role === 'target')!;
    assert.deepEqual([tgt.freshInstall, tgt.imports, tgt.tasksRegistered, tgt.smoke, tgt.load], ['OK', 'OK', 1, 'OK', 'OK']);
    assert.match(r.summary!.find((s) => s.role === 'current')!.freshInstall, /^broken \(ModuleNotFoundError: No module named 'packaging'\)$/);
    assert.deepEqual(rehearsalDirs().filter((d) => !leftBefore.has(d)), [], 'the patched copy is removed');
  } finally {
    removeDir(dir);
  }
});

test('--python-target: the target side\'s venv comes from that interpreter only (nothing downloaded); a missing one fails that side in one line', async () => {
  const dir = checkoutFixture('verify-conflict');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['import'], renderer: 'silent', env: cacheEnv, pythonTarget: '/nonexistent/python3.12' });
    const imp = r.stages.find((s) => s.id === 'import')!;
    assert.equal(imp.current?.status, 'pass');
    assert.equal(imp.target?.status, 'fail');
    assert.match(imp.reason!, /^target side \(celery 5\.7\.0\): \/nonexistent\/python3\.12: does not run; pass a Python 3 interpreter installed on this machine/);
  } finally {
    removeDir(dir);
  }
});

test('gevent app with asyncio tasks: rehearsed 5.6.3 → 5.7.0 with the plan applied; both sides import, smoke and load on the deployed gevent pool', async () => {
  const dir = checkoutFixture('runtime-gevent-asyncio');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps', 'import', 'smoke', 'load'], renderer: 'silent', env: cacheEnv, loadTasks: 100, loadConcurrency: 10 });
    const byId = Object.fromEntries(r.stages.map((s) => [s.id, s]));
    assert.ok(byId.import!.target!.evidence.some((e) => /^plan edits applied to a copy: requirements\.txt: celery 5\.6\.3 -> 5\.7\.0/.test(e)), byId.import!.target!.evidence.join('\n'));
    for (const side of r.summary!) assert.deepEqual([side.freshInstall, side.imports, side.smoke, side.load], ['OK', 'OK', 'OK', 'OK'], `${side.role}: ${JSON.stringify(r.stages)}`);
    assert.ok(byId.smoke!.target!.evidence.some((e) => /\(pool gevent, 50 process\(es\)\)/.test(e)), byId.smoke!.target!.evidence.join('\n'));
  } finally {
    removeDir(dir);
  }
});

test('Django with restricted queues and a postrun handler: the target side (plan applied) imports, passes smoke and load on 5.7.0; the broken current side is left out', async () => {
  const dir = checkoutFixture('runtime-django-queues');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps', 'import', 'smoke', 'load'], renderer: 'silent', env: cacheEnv, loadTasks: 100, loadConcurrency: 10 });
    const tgt = r.summary!.find((s) => s.role === 'target')!;
    assert.deepEqual([tgt.freshInstall, tgt.imports, tgt.smoke, tgt.load], ['OK', 'OK', 'OK', 'OK'], JSON.stringify(r.stages));
    assert.ok((tgt.tasksRegistered ?? 0) >= 1);
    assert.ok(r.stages.find((s) => s.id === 'import')!.target!.evidence.some((e) => /^plan edits applied to a copy: requirements\.txt: celery 5\.3\.6 -> 5\.7\.0/.test(e)));
    assert.match(r.summary!.find((s) => s.role === 'current')!.freshInstall, /^broken \(.*VersionMismatch/);
  } finally {
    removeDir(dir);
  }
});
