// Pins of Celery's own dependencies in the setup.py / setup.cfg / pyproject.toml of a monorepo's sub-packages
// (fixtures/subpackage-pins): the plan names each file:line and the exact text it writes, `--apply` writes it,
// pip (the real resolver, --dry-run) accepts the edited set where it refused the original, and the worker's app
// still loads in the real target Celery. The twin's ranges already admit the target: only the Celery pin moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { buildProjectModel } from '../../src/model/index.js';
import { checkInstallWithPip, requirementsOf } from '../../src/deps/index.js';
import { rewriteSpecifier } from '../../src/plan/specifier.js';
import { probe, pythonFor } from './support.js';

const TARGET = '5.6.3';
const FAMILY = new Set(['celery', 'kombu', 'billiard', 'vine', 'click', 'amqp', 'redis']);

/** pip's answer for the Celery family the sub-packages list (`celery`: every Celery pin replaced by that version). */
async function pipResolves(dir: string, python: string, celery?: string): Promise<{ ok: boolean; versions: Record<string, string>; why: string }> {
  const model = await buildProjectModel(dir);
  const reqs = requirementsOf(model, celery ? { celery } : {}).filter((r) => FAMILY.has(r.name));
  const r = await checkInstallWithPip(reqs, { pythonExe: python, usesRedis: true });
  return r.resolution.ok ? { ok: true, versions: r.resolution.versions, why: '' } : { ok: false, versions: {}, why: r.resolution.conflict.join(' / ') };
}

test('rewriteSpecifier keeps the shape a range was written in and always admits the new version', () => {
  assert.equal(rewriteSpecifier('~=5.2.4', '5.6.2'), '~=5.6.2');
  assert.equal(rewriteSpecifier('>=5.2,<5.3', '5.6.3'), '>=5.6.3,<5.7');
  // a lower bound below the new version is raised: `>=4.4,<6` would leave an environment on 4.4 as it is
  assert.equal(rewriteSpecifier('>=4,<5', '5.2.2'), '>=5.2.2,<6');
  assert.equal(rewriteSpecifier('<5.0', '5.3.6'), '<6.0');
  assert.equal(rewriteSpecifier('<5.3.0', '5.6.3'), '<5.7.0');
  assert.equal(rewriteSpecifier('==4.4.7', '5.0.5'), '==5.0.5');
  assert.equal(rewriteSpecifier('==4.*', '5.6.3'), '==5.*');
  assert.equal(rewriteSpecifier('~=4.4', '5.6.3'), '~=5.6');
  assert.equal(rewriteSpecifier('===4.4.7', '5.0.5'), null);
});

test('subpackage-pins: each sub-package pin is edited at its line, in its own shape; pip resolves the result; the app loads in Celery 5.6.3', { timeout: 900_000 }, async () => {
  const python = await pythonFor(TARGET);
  const dir = checkoutFixture('subpackage-pins');
  try {
    const before = await pipResolves(dir, python, TARGET);
    assert.equal(before.ok, false, 'kombu~=5.2.4 next to celery 5.6.3 must not resolve (otherwise this test proves nothing)');

    const plan = await planUpgrade(dir, { to: TARGET });
    assert.equal(plan.from?.version, '5.2.7');
    assert.equal(plan.from?.source, 'services/worker/setup.py:9');
    const row = (name: string, where: string) => plan.dependencies.find((d) => d.name === name && d.where === where);
    assert.equal(row('kombu', 'services/worker/setup.py:10')?.status, 'conflict');
    assert.equal(row('kombu', 'services/worker/setup.py:10')?.suggestedLine, '"kombu~=5.6.2",');
    assert.equal(row('billiard', 'services/reports/pyproject.toml:12')?.status, 'conflict', 'a range that no billiard the target accepts is inside');
    assert.equal(row('click', 'services/reports/pyproject.toml:13')?.status, 'conflict');
    assert.equal(row('celery', 'services/api/setup.cfg:10')?.suggestedLine, 'celery>=5.6.3,<5.7', 'setup.cfg lines are bare requirements');
    assert.equal(row('amqp', 'services/api/setup.cfg:11')?.status, 'fine', 'amqp 5.1.x is inside what kombu 5.6 needs');

    const reps = Object.fromEntries(plan.edits.map((e) => [e.file, e.replacements.map((r) => `${r.line}:${r.from}->${r.to}`)]));
    assert.deepEqual(reps, {
      'services/api/setup.cfg': ['10:>=5.2,<5.3->>=5.6.3,<5.7'],
      'services/reports/pyproject.toml': ['10:>=5.2.7,<5.3->>=5.6.3,<5.7', '11:5.0.0->5.1.0', '12:>=3.6.4,<4.0->>=4.2.4,<5.0', '13:~=8.0.3->~=8.1.8'],
      'services/worker/setup.py': ['9:5.2.7->5.6.3', '10:~=5.2.4->~=5.6.2'],
    });
    assert.deepEqual(plan.manualEdits.filter((m) => /requirement/.test(m.title)), []);
    // verification installs every sub-package in ONE pip run, and imports the app from its own folder
    const deps = plan.verification.find((v) => v.stage === 'dependency-resolution')!.command;
    assert.match(deps, /pip install -e \.\/services\/api -e \.\/services\/reports -e \.\/services\/worker &&/);
    assert.match(plan.verification.find((v) => v.stage === 'import-app')!.command, /^cd services\/worker && /);

    const applied = await applyPlan(plan, dir);
    assert.deepEqual(applied.results.map((r) => `${r.file}:${r.status}`).sort(), ['services/api/setup.cfg:written', 'services/reports/pyproject.toml:written', 'services/worker/setup.py:written']);
    assert.match(readFileSync(path.join(dir, 'services/worker/setup.py'), 'utf8'), /"kombu~=5\.6\.2",  # pinned after/);

    // the files as edited, with no override: they resolve to the target
    const after = await pipResolves(dir, python);
    assert.equal(after.ok, true, `pip refuses the edited pins: ${after.why}`);
    assert.equal(after.versions.celery, TARGET);
    assert.match(after.versions.kombu ?? '', /^5\.6\./);

    const loaded = probe(python, path.join(dir, 'services/worker'), 'acme_worker.celery_app', 'app', ['task_time_limit', 'worker_prefetch_multiplier']);
    assert.equal(loaded.ok, true, loaded.error);
    assert.deepEqual(loaded.tasks, ['acme_worker.tasks.send_invoice']);
    assert.deepEqual(loaded.warnings.filter((w) => /Deprecat|ImproperlyConfigured/.test(w)), []);

    // nothing left to do: a fresh plan has no conflicting row and no requirement edit
    const again = await planUpgrade(dir, { to: TARGET });
    assert.deepEqual(again.dependencies.filter((d) => d.status === 'conflict' || d.status === 'bump').map((d) => d.where), []);
    assert.deepEqual(again.edits, []);
  } finally {
    removeDir(dir);
  }
});

test('subpackage-pins-twin: ranges that admit the target are left alone; only the Celery pin moves', async () => {
  const dir = checkoutFixture('subpackage-pins-twin');
  try {
    const plan = await planUpgrade(dir, { to: TARGET });
    assert.deepEqual(plan.dependencies.filter((d) => d.status === 'conflict').map((d) => d.where), []);
    assert.deepEqual(plan.edits.map((e) => [e.file, e.replacements.map((r) => `${r.line}:${r.from}->${r.to}`)]), [['services/worker/setup.py', ['9:5.2.7->5.6.3']]]);
  } finally {
    removeDir(dir);
  }
});
