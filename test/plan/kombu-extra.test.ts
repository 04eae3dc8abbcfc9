// The plan moves a kombu pin for the target and, when the moved kombu's Redis transport imports a module
// only its [redis] extra installs (kombu 5.7: `packaging`), requests that extra in the same edit. A pinned
// `packaging` binds only through that extra (kombu 5.7.0[redis] pins packaging==26.3): the plan names it then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';

test('celery==5.4.0 + kombu==5.4.0, Redis broker, to 5.7.0: the edit writes kombu[redis]==5.7.0', async () => {
  const dir = checkoutFixture('deps-kombu-pinned');
  try {
    const plan = await planUpgrade(dir, { from: '5.4.0', to: '5.7.0' });
    const kombu = plan.dependencies.find((d) => d.name === 'kombu' && d.where === 'requirements.txt:2')!;
    assert.equal(kombu.suggestedLine, 'kombu[redis]==5.7.0');
    assert.match(kombu.note ?? '', /No module named 'packaging'/);
    const redis = plan.dependencies.find((d) => d.name === 'redis' && d.where)!;
    assert.equal(redis.status, 'fine');
    assert.match(redis.via ?? '', /kombu\[redis\] 5\.7\.0/);
    const edit = plan.edits.find((e) => e.file === 'requirements.txt')!;
    assert.match(edit.diff, /^\+kombu\[redis\]==5\.7\.0$/m);
    assert.match(edit.diff, /^\+celery==5\.7\.0$/m);
    await applyPlan(plan, dir);
    assert.equal(readFileSync(path.join(dir, 'requirements.txt'), 'utf8'), 'celery==5.7.0\nkombu[redis]==5.7.0\nredis==6.4.0\n');
    // applied once, the plan has nothing left to change in the file
    const again = await planUpgrade(dir, { from: '5.7.0', to: '5.7.0' });
    assert.ok(!again.edits.some((e) => e.file === 'requirements.txt'), JSON.stringify(again.edits));
  } finally {
    removeDir(dir);
  }
});

test('an existing extra is kept and merged: kombu[msgpack]==5.4.0 -> kombu[msgpack,redis]==5.7.0', async () => {
  const dir = checkoutFixture('deps-kombu-pinned');
  try {
    writeFileSync(path.join(dir, 'requirements.txt'), 'celery==5.4.0\nkombu[msgpack]==5.4.0  # pinned with celery\nredis==6.4.0\n');
    const plan = await planUpgrade(dir, { from: '5.4.0', to: '5.7.0' });
    assert.match(plan.edits.find((e) => e.file === 'requirements.txt')!.diff, /^\+kombu\[msgpack,redis\]==5\.7\.0  # pinned with celery$/m);
  } finally {
    removeDir(dir);
  }
});

test('a pinned packaging: no extra when the pin already installs the module; named when celery[redis] 5.7.0 pins packaging==26.3', async () => {
  const dir = checkoutFixture('deps-kombu-pinned');
  try {
    // packaging installed by the project's own pin: kombu 5.7's transport imports it (packaging.version), no extra needed
    writeFileSync(path.join(dir, 'requirements.txt'), 'celery==5.4.0\nkombu==5.4.0\nredis==6.4.0\npackaging==24.0\n');
    let plan = await planUpgrade(dir, { from: '5.4.0', to: '5.7.0' });
    assert.equal(plan.dependencies.find((d) => d.name === 'kombu' && d.where)?.suggestedLine, 'kombu==5.7.0');
    assert.ok(!plan.dependencies.some((d) => d.name === 'packaging' && d.status === 'conflict'));
    assert.doesNotMatch(plan.edits.find((e) => e.file === 'requirements.txt')!.diff, /^[-+]packaging/m);
    // celery[redis] 5.7.0 -> kombu[redis] 5.7.0 -> packaging==26.3 (kombu 5.7.0 METADATA): the freeze's pin blocks it
    writeFileSync(path.join(dir, 'requirements.txt'), 'celery[redis]==5.4.0\nkombu==5.4.0\nredis==6.4.0\npackaging==24.0\n');
    plan = await planUpgrade(dir, { from: '5.4.0', to: '5.7.0' });
    const packaging = plan.dependencies.find((d) => d.name === 'packaging' && d.where)!;
    assert.equal(packaging.status, 'conflict');
    assert.equal(packaging.targetNeeds, '==26.3');
    assert.match(packaging.via ?? '', /celery\[redis\] 5\.7\.0 -> kombu\[redis\] 5\.7\.0/);
    assert.match(plan.edits.find((e) => e.file === 'requirements.txt')!.diff, /^\+packaging==26\.3$/m);
  } finally {
    removeDir(dir);
  }
});
