// No harmful edit: Celery checks the keys of all conf.update()/conf.x= calls of an app together (and, with
// config_from_object, the keys of that object together). `--apply` must rename every old key of such a
// group or none; the result is loaded by the real target Celery here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { FLASK_DEPS, probe, pythonFor, sitePackages } from './support.js';

const SETTINGS = ['broker_url', 'result_backend', 'task_serializer', 'accept_content', 'worker_prefetch_multiplier', 'task_acks_late'];

for (const target of ['5.6.2', '5.7.0']) {
  test(`flask-config-update: --apply to ${target} never leaves a mixed config; the app still loads in Celery ${target}`, { timeout: 900_000 }, async () => {
    const python = await pythonFor(target);
    const flask = sitePackages('pydeps-flask-3.0.3', python, FLASK_DEPS);
    const dir = checkoutFixture('flask-config-update');
    try {
      const before = probe(python, dir, 'shop.factory', 'celery', SETTINGS, [flask]);
      assert.equal(before.ok, true, before.error);
      assert.ok((before.deprecated ?? []).length >= 6, `old keys detected: ${JSON.stringify(before.deprecated)}`);

      const plan = await planUpgrade(dir, { to: target });
      // Flask keeps only UPPER-CASE names in app.config: nothing of this group is renamed in place ...
      assert.ok(!plan.edits.some((e) => e.kinds.includes('rename-settings')), JSON.stringify(plan.edits.map((e) => e.file)));
      const m = plan.manualEdits.find((x) => x.file === 'shop/config.py');
      assert.ok(m, 'a manual edit naming the Flask config');
      assert.equal(m.line, 7);
      assert.match(m.suggestion, /CELERY = dict\(broker_url=\.\.\., result_backend=\.\.\., task_serializer=\.\.\., accept_content=\.\.\.\)/);
      assert.match(m.suggestion, /`CELERYD_PREFETCH_MULTIPLIER` -> `worker_prefetch_multiplier` \(shop\/factory\.py:15\), `CELERY_ACKS_LATE` -> `task_acks_late` \(shop\/factory\.py:16\)/);
      const applied = await applyPlan(plan, dir);
      assert.deepEqual(applied.results.map((r) => r.file), ['requirements.txt']);
      const after = probe(python, dir, 'shop.factory', 'celery', SETTINGS, [flask]);
      assert.equal(after.ok, true, `the applied config must load: ${after.error}`);
      assert.deepEqual(after.values, before.values, 'every setting keeps its value');

      // ... and the manual edit, done as written, loads in the target with no old key left and the same values
      const cfg = path.join(dir, 'shop', 'config.py');
      writeFileSync(cfg, readFileSync(cfg, 'utf8')
        .replace(/    BROKER_URL = ([^#\n]*?) *(?:#.*)?\n    CELERY_RESULT_BACKEND = ([^#\n]*?) *(?:#.*)?\n    CELERY_TASK_SERIALIZER = ([^#\n]*?) *(?:#.*)?\n    CELERY_ACCEPT_CONTENT = ([^#\n]*?) *(?:#.*)?\n/, '    CELERY = dict(broker_url=$1, result_backend=$2, task_serializer=$3, accept_content=$4)\n'));
      const factory = path.join(dir, 'shop', 'factory.py');
      writeFileSync(factory, readFileSync(factory, 'utf8')
        .replace("celery.conf.update(app.config)", "celery.conf.update(app.config['CELERY'])")
        .replace('CELERYD_PREFETCH_MULTIPLIER=1', 'worker_prefetch_multiplier=1').replace('CELERY_ACKS_LATE=True', 'task_acks_late=True'));
      const manual = probe(python, dir, 'shop.factory', 'celery', SETTINGS, [flask]);
      assert.equal(manual.ok, true, manual.error);
      assert.deepEqual(manual.deprecated, []);
      assert.deepEqual(manual.values, before.values);
    } finally {
      removeDir(dir);
    }
  });
}

test('flask-config-update: a Flask config jobctl cannot read (from_envvar) blocks the renames of the conf.update keys Celery checks with it', async () => {
  const dir = checkoutFixture('flask-config-update');
  try {
    const factory = path.join(dir, 'shop', 'factory.py');
    writeFileSync(factory, readFileSync(factory, 'utf8').replace("app.config.from_object('shop.config.Config')", "app.config.from_envvar('SHOP_SETTINGS')"));
    const plan = await planUpgrade(dir, { to: '5.6.2' });
    assert.ok(!plan.edits.some((e) => e.kinds.includes('rename-settings')));
    const m = plan.manualEdits.find((x) => x.file === 'shop/factory.py' && x.line === 15);
    assert.ok(m, JSON.stringify(plan.manualEdits));
    assert.match(m.why, /Flask config loaded by app\.config\.from_envvar.*could not be read.*Celery checks its keys together with these/);
  } finally {
    removeDir(dir);
  }
});
