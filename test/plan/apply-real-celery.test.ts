// `--apply` against a real Celery: the edited config must load in the target release with no deprecation
// warning and no ImproperlyConfigured, keep every value, and a second apply must change nothing.
// Venvs: .cache/venvs/celery-<v> via scripts/ensure-venvs.mjs (created once, reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { probe, pythonFor } from './support.js';

const OLD_STYLE_SETTINGS = ['broker_url', 'broker_connection_retry_on_startup', 'result_backend', 'task_serializer', 'result_serializer', 'accept_content', 'timezone', 'worker_concurrency', 'worker_prefetch_multiplier', 'worker_max_tasks_per_child', 'task_time_limit', 'task_routes'];

for (const target of ['5.6.2', '5.7.0']) {
  test(`old-style-config: --apply to ${target} gives a config real Celery ${target} loads without deprecation warnings`, { timeout: 900_000 }, async () => {
    const python = await pythonFor(target);
    const dir = checkoutFixture('old-style-config');
    try {
      const before = probe(python, dir, 'worker', 'app', OLD_STYLE_SETTINGS);
      // the fixture really is deprecated in this release (otherwise this test proves nothing)
      assert.equal(before.ok, true, before.error);
      assert.ok((before.deprecated ?? []).length >= 10, `expected old keys detected, got ${JSON.stringify(before.deprecated)}`);
      assert.ok(before.warnings.some((w) => w.includes('CDeprecationWarning')), 'the original config warns');

      const plan = await planUpgrade(dir, { to: target });
      assert.equal(plan.from?.version, '5.4.0');
      assert.match(plan.from!.source, /requirements\.txt:1/);
      const configEdit = plan.edits.find((e) => e.file === 'celeryconfig.py');
      assert.ok(configEdit, 'a rename edit for celeryconfig.py');
      assert.deepEqual(configEdit.kinds, ['rename-settings']);
      // ALL twelve mapped keys, in one edit (never a half-renamed config)
      assert.equal(new Set(configEdit.replacements.map((r) => r.from)).size, 12);
      // the two keys Celery ignores today are NOT silently activated
      assert.ok(!configEdit.replacements.some((r) => r.from === 'CELERYD_SOFT_TIME_LIMIT' || r.from === 'CELERY_RESULT_EXPIRES'));
      assert.ok(plan.manualEdits.some((m) => m.title.includes('CELERYD_SOFT_TIME_LIMIT') && m.suggestion.includes('task_soft_time_limit')));
      // the env var NAME inside os.environ.get('BROKER_URL', ...) is a string, not a setting: untouched
      assert.match(configEdit.diff, /\+broker_url = os\.environ\.get\('BROKER_URL', /);
      const reqEdit = plan.edits.find((e) => e.file === 'requirements.txt');
      assert.ok(reqEdit);
      assert.match(reqEdit.diff, new RegExp(`\\+celery==${target.replace(/\./g, '\\.')}`));

      const applied = await applyPlan(plan, dir);
      assert.deepEqual(applied.results.map((r) => `${r.file}:${r.status}`).sort(), ['celeryconfig.py:written', 'requirements.txt:written']);

      const after = probe(python, dir, 'worker', 'app', OLD_STYLE_SETTINGS);
      assert.equal(after.ok, true, after.error);
      assert.deepEqual(after.deprecated, []);
      assert.deepEqual(after.warnings.filter((w) => /Deprecat|ImproperlyConfigured/.test(w)), []);
      assert.deepEqual(after.values, before.values, 'every setting keeps its value');
      assert.deepEqual(after.tasks, before.tasks);

      // idempotent: the same plan again changes nothing; a fresh plan has nothing left to rename or bump
      const text = readFileSync(path.join(dir, 'celeryconfig.py'), 'utf8');
      const again = await applyPlan(plan, dir);
      assert.ok(again.results.every((r) => r.status === 'unchanged'), JSON.stringify(again.results));
      assert.equal(readFileSync(path.join(dir, 'celeryconfig.py'), 'utf8'), text);
      const replan = await planUpgrade(dir, { to: target });
      assert.equal(replan.from?.version, target);
      assert.deepEqual(replan.edits, []);
      const second = await applyPlan(replan, dir);
      assert.equal(second.changed, false);
    } finally {
      removeDir(dir);
    }
  });
}

test('mixed-config: the renames turn a config Celery refuses (ImproperlyConfigured) into one it loads', { timeout: 900_000 }, async () => {
  const python = await pythonFor('5.7.0');
  const dir = checkoutFixture('mixed-config');
  try {
    const before = probe(python, dir, 'worker', 'app', ['broker_url']);
    assert.equal(before.ok, false);
    assert.match(before.error ?? '', /ImproperlyConfigured/);
    const plan = await planUpgrade(dir, { to: '5.7.0' });
    const edit = plan.edits.find((e) => e.file === 'celeryconfig.py');
    assert.ok(edit);
    assert.deepEqual(edit.replacements.map((r) => `${r.from}->${r.to}`).sort(), ['BROKER_CONNECTION_RETRY_ON_STARTUP->broker_connection_retry_on_startup', 'CELERYD_MAX_TASKS_PER_CHILD->worker_max_tasks_per_child']);
    await applyPlan(plan, dir);
    const after = probe(python, dir, 'worker', 'app', ['broker_url', 'broker_connection_retry_on_startup', 'worker_max_tasks_per_child']);
    assert.equal(after.ok, true, after.error);
    assert.deepEqual(after.deprecated, []);
    assert.equal(after.values?.worker_max_tasks_per_child, '100');
    assert.equal(after.values?.broker_connection_retry_on_startup, 'True');
  } finally {
    removeDir(dir);
  }
});
