// No harmful edit: Celery checks the keys of all conf.update()/conf.x= calls of an app together (and, with
// config_from_object, the keys of that object together). `--apply` must rename every old key of such a
// group or none; the result is loaded by the real target Celery here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
      await applyPlan(plan, dir);
      const after = probe(python, dir, 'shop.factory', 'celery', SETTINGS, [flask]);
      assert.equal(after.ok, true, `the applied config must load: ${after.error}`);
      assert.deepEqual(after.values, before.values, 'every setting keeps its value');
      // whatever could not be renamed together is a manual edit that names every key of the group
      const renamedFactory = plan.edits.some((e) => e.file === 'shop/factory.py' && e.kinds.includes('rename-settings'));
      if (!renamedFactory) {
        const m = plan.manualEdits.find((x) => x.file === 'shop/factory.py');
        assert.ok(m, 'a manual edit for the conf.update keys');
        assert.match(m.suggestion, /CELERYD_PREFETCH_MULTIPLIER.*worker_prefetch_multiplier/);
      }
    } finally {
      removeDir(dir);
    }
  });
}
