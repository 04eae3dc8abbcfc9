// Behaviour changes that touch a project's own Task classes (src/knowledge/data/behaviour-changes.json, each
// verified in the wheels): reported at the member of the class that makes them bite, and only then. The
// before_start claim is run for real: the same task succeeds on Celery 4.4.7 and fails on 5.7.0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { probe, pythonFor } from './support.js';

const TASK_CHANGES = ['4.0-task-class-registration', '4.0-task-error-emails-removed', '4.4.3-eager-retry', '5.2-task-before-start', '5.3-task-on-replace', '5.4-django-task-cls', '5.5-hard-timeout-reject', '5.7-task-acks-on-failure-split'];

function runShard(python: string, dir: string): string {
  const code = 'from proj.celery import app\nfrom proj.tasks import rebuild_shard\nr = rebuild_shard.apply((2,))\nprint(r.state, repr(r.result))';
  return execFileSync(python, ['-c', code], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!;
}

test('custom-task-class: each change is reported at the class member that makes it bite, with its source at a tag', async () => {
  const dir = checkoutFixture('custom-task-class');
  try {
    const plan = await planUpgrade(dir, { to: '5.7.0' });
    assert.equal(plan.from?.version, '4.4.7');
    const where = (id: string): string[] | undefined => plan.changes.find((c) => c.id === id)?.affected.map((a) => `${a.file}:${a.line}`);
    assert.deepEqual(where('5.2-task-before-start'), ['proj/base.py:15']);
    assert.deepEqual(where('5.3-task-on-replace'), ['proj/tasks.py:8']);
    assert.deepEqual(where('5.7-task-acks-on-failure-split'), ['proj/base.py:12']);
    // the class attribute is the per-task form of task_acks_on_failure_or_timeout (5.5's request.py reads the task's)
    assert.deepEqual(where('5.5-hard-timeout-reject'), ['proj/base.py:12']);
    // not Django: the DjangoTask change does not apply; the 4.0 ones are behind 4.4.7
    for (const id of ['5.4-django-task-cls', '4.0-task-class-registration', '4.0-task-error-emails-removed']) assert.ok(!plan.changes.some((c) => c.id === id), id);
    for (const id of ['5.2-task-before-start', '5.3-task-on-replace', '5.7-task-acks-on-failure-split']) {
      const c = plan.changes.find((x) => x.id === id)!;
      assert.ok(c.sources.every((s) => /^celery@v\d+\.\d+\.\d+:celery\//.test(s.ref)), `${id}: ${JSON.stringify(c.sources)}`);
      assert.ok(c.fix, `${id}: what to do`);
    }
    // from 3.1 the class is found through where it is used too (task_cls=, base=)
    const from31 = await planUpgrade(dir, { from: '3.1.25', to: '5.7.0' });
    const reg = from31.changes.find((c) => c.id === '4.0-task-class-registration')!.affected.map((a) => `${a.file}:${a.line}`);
    assert.deepEqual(reg, ['proj/base.py:9', 'proj/celery.py:5', 'proj/tasks.py:7', 'proj/tasks.py:14']);
    // from 4.4.2: eager retry changed in 4.4.3; the retry call and where tests make tasks eager are named
    const from442 = await planUpgrade(dir, { from: '4.4.2', to: '5.7.0' });
    assert.deepEqual(from442.changes.find((c) => c.id === '4.4.3-eager-retry')?.affected.map((a) => `${a.file}:${a.line}`), ['proj/tasks.py:29', 'tests/conftest.py:8']);
  } finally {
    removeDir(dir);
  }
});

test('custom-task-class: the before_start collision is real (4.4.7 runs the task, 5.7.0 fails it); the applied plan loads in 5.7.0', { timeout: 900_000 }, async () => {
  const old = await pythonFor('4.4.7');
  const target = await pythonFor('5.7.0');
  const dir = checkoutFixture('custom-task-class');
  const twin = checkoutFixture('custom-task-class-twin');
  try {
    assert.equal(runShard(old, dir), 'SUCCESS 4');
    assert.match(runShard(target, dir), /^FAILURE TypeError\(.*before_start\(\) takes 1 positional argument but 4 were given/);
    assert.equal(runShard(target, twin), 'SUCCESS 4', 'the twin runs on 5.7.0');

    const plan = await planUpgrade(dir, { to: '5.7.0' });
    await applyPlan(plan, dir);
    const loaded = probe(target, dir, 'proj.celery', 'app', ['task_acks_late', 'task_time_limit']);
    assert.equal(loaded.ok, true, loaded.error);
    assert.deepEqual(loaded.tasks, ['proj.tasks.rebuild_index', 'proj.tasks.rebuild_shard', 'proj.tasks.sync_shard']);
  } finally {
    removeDir(dir);
    removeDir(twin);
  }
});

test('custom-task-class-twin: a base class that defines none of the changed names gets none of the class-specific changes', async () => {
  const dir = checkoutFixture('custom-task-class-twin');
  try {
    const plan = await planUpgrade(dir, { from: '4.4.2', to: '5.7.0' });
    assert.deepEqual(plan.changes.filter((c) => TASK_CHANGES.includes(c.id)).map((c) => c.id), []);
    // and no environment variable the Celery 5 CLI reads
    assert.ok(!plan.changes.some((c) => c.id === '5.0-cli-global-options-from-env'));
  } finally {
    removeDir(dir);
  }
});
