// Plans for the two seed write-ups' projects: the key items are right, and the seeds' false claims are
// not repeated (they may only appear, struck through, under "Claims checked and found false").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import { runAudit } from '../../src/engine/audit.js';
import { loadKnowledge } from '../../src/knowledge/index.js';
import { assembleUpgradePlan, planUpgrade, renderPlanMarkdown, planDiffs, type UpgradePlan } from '../../src/plan/index.js';

/** The markdown without the section that lists false claims (where they may be quoted to refute them). */
function outsideFalseClaims(md: string): string {
  return md.split('## Claims checked and found false')[0]!;
}

function assertNoSeedMyths(plan: UpgradePlan): void {
  const md = renderPlanMarkdown(plan);
  const body = outsideFalseClaims(md);
  assert.doesNotMatch(body, /conflicts? with (Celery's|the worker('s)?) event loop/i);
  assert.doesNotMatch(body, /no code changes (are )?required/i);
  // get_event_loop() is never offered as the fix
  for (const line of body.split('\n')) {
    if (/get_event_loop/.test(line)) assert.match(line, /not|never|instead of|avoid|raises|after `?asyncio\.run/i, `get_event_loop presented as advice: ${line}`);
  }
  const json = JSON.stringify({ ...plan, falseClaims: [] });
  assert.doesNotMatch(json, /no code changes required/i);
  // myths are never among the changes
  assert.ok(plan.changes.every((c) => !c.id.startsWith('false-claim-')));
}

test('seed-medical-chat: 5.3.4 -> 5.5.3', async () => {
  const dir = checkoutFixture('seed-medical-chat');
  try {
    const plan = await planUpgrade(dir, { to: '5.5.3' });
    assert.equal(plan.from?.version, '5.3.4');
    assert.equal(plan.from?.source, 'apps/backend/requirements.txt:6');
    assert.equal(plan.to.version, '5.5.3');
    assert.deepEqual(plan.linesCrossed, ['5.4', '5.5']);
    // Python 3.13.5 (.python-version) is inside 5.5.3's classifiers (3.8-3.13)
    assert.equal(plan.python.status, 'ok');
    assert.equal(plan.python.lowestMinor, '3.13');

    const celery = plan.dependencies.find((d) => d.name === 'celery');
    assert.equal(celery?.status, 'bump');
    assert.equal(celery?.suggestedLine, 'celery==5.5.3');
    assert.equal(plan.dependencies.find((d) => d.name === 'kombu')?.targetNeeds, '<5.6,>=5.5.2');
    const edit = plan.edits.find((e) => e.file === 'apps/backend/requirements.txt');
    assert.ok(edit);
    assert.match(edit.diff, /^-celery==5\.3\.4 {2}# expect: JC302$/m);
    assert.match(edit.diff, /^\+celery==5\.5\.3 {2}# expect: JC302$/m);

    // db+sqlite:// result backend: 5.5 creates the tables at setup
    const db = plan.changes.find((c) => c.id === '5.5-database-create-tables-at-setup');
    assert.ok(db, 'database create-tables change applies');
    assert.ok(db.affected.some((a) => a.file === 'apps/backend/celery_config.py'));
    const tz = plan.changes.find((c) => c.id === '5.5-date-done-timezone');
    assert.ok(tz?.affected.some((a) => a.file === 'apps/backend/celery_config.py' && a.line === 26));
    // SQLite broker: Redis-only changes do not apply
    assert.ok(plan.notApplicable.some((c) => c.id === '5.4-redis-reconnect-fix-kombu'));
    assert.ok(!plan.changes.some((c) => c.id === '5.5.3-redis-via-kombu'));

    // the real event-loop danger (one AsyncAIClient per process, bound to the first loop) is in the plan
    const jc204 = plan.findings.find((f) => f.ruleId === 'JC204');
    assert.ok(jc204);
    assert.equal(jc204.file, 'apps/backend/tasks/chat_tasks.py');
    assert.equal(jc204.risk, 'medium');
    // and the seed's myth is listed as false, with a source
    const myth = plan.falseClaims.find((c) => c.id === 'false-claim-asyncio-run-conflicts');
    assert.ok(myth && myth.sources.length > 0);
    assertNoSeedMyths(plan);
    assert.notEqual(plan.risk.overall, 'low');
  } finally {
    removeDir(dir);
  }
});

test('seed-gpu-worker: 5.3.4 -> 5.6.2', async () => {
  const dir = checkoutFixture('seed-gpu-worker');
  try {
    const plan = await planUpgrade(dir, { to: '5.6.2' });
    assert.equal(plan.from?.version, '5.3.4');
    assert.deepEqual(plan.linesCrossed, ['5.4', '5.5', '5.6']);
    assert.equal(plan.python.status, 'ok'); // FROM python:3.11-slim

    // the manifest is bumped in place; the compiled lock is regenerated, never hand-edited
    const inEdit = plan.edits.find((e) => e.file === 'requirements.in');
    assert.ok(inEdit);
    assert.match(inEdit.diff, /^\+celery==5\.6\.2/m);
    assert.ok(!plan.edits.some((e) => e.file === 'requirements.txt'));
    const kombuLock = plan.dependencies.find((d) => d.name === 'kombu' && d.isLock);
    assert.equal(kombuLock?.status, 'regenerate-lock'); // kombu 5.3.7 vs >=5.6.0
    assert.equal(plan.dependencies.find((d) => d.name === 'billiard' && d.isLock)?.status, 'regenerate-lock');
    // celery==5.6.2 without the [redis] extra + redis==5.0.1 on Python 3.11: a fresh install takes
    // kombu 5.7.0, whose Redis transport refuses redis-py < 6.1 (the one resolver; pip agrees)
    const redis = plan.dependencies.find((d) => d.name === 'redis' && !d.isLock);
    assert.equal(redis?.status, 'conflict');
    assert.equal(redis?.suggestedLine, 'redis==6.4.0');
    assert.match(redis?.note ?? '', /VersionMismatch: Redis transport requires redis-py versions 6\.1\.0 or later\. You have 5\.0\.1/);
    assert.equal(plan.dependencies.find((d) => d.name === 'kombu' && !d.isLock)?.suggestedLine, 'kombu[redis]');
    const resolve = plan.verification.find((s) => s.stage === 'dependency-resolution');
    assert.match(resolve!.command, /uv pip compile requirements\.in -o requirements\.txt/);
    assert.deepEqual(plan.verification.map((s) => s.stage), ['static-audit', 'dependency-resolution', 'import-app', 'worker-start', 'smoke-test', 'load-test', 'test-suite']);
    assert.match(plan.verification.find((s) => s.stage === 'worker-start')!.command, /celery -A app\.worker worker/);

    // Europe/Paris: date_done changes meaning; Python 3.11 gets the 5.6 leak fixes; 3.8 drop does not apply
    assert.ok(plan.changes.find((c) => c.id === '5.5-date-done-timezone')?.affected.some((a) => a.file === 'app/worker.py'));
    assert.ok(plan.changes.some((c) => c.id === '5.6-memory-leaks'));
    assert.ok(plan.notApplicable.some((c) => c.id === '5.6-python'));
    // Redis broker from REDIS_URL's default
    assert.ok(plan.changes.some((c) => c.id === '5.4-redis-reconnect-fix-kombu'));

    assertNoSeedMyths(plan);
    // rollback names the edited file and the lock
    assert.ok(plan.rollback.some((r) => r.command?.includes('requirements.in')));
    assert.ok(plan.rollback.some((r) => r.command?.includes('requirements.txt')));
    assert.match(planDiffs(plan), /^--- a\/requirements\.in$/m);
  } finally {
    removeDir(dir);
  }
});

test('assembleUpgradePlan is pure: same inputs, same plan; the plan survives a JSON round trip', async () => {
  const dir = checkoutFixture('seed-gpu-worker');
  try {
    const model = await buildProjectModel(dir);
    const audit = await runAudit(dir, { model, target: '5.6.2' });
    const k = loadKnowledge();
    const a = assembleUpgradePlan(model, audit, k, { to: '5.6.2' });
    const b = assembleUpgradePlan(model, audit, k, { to: '5.6.2' });
    assert.deepEqual(a, b);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
    // the risk is derived from findings: every change's risk names where it came from
    for (const c of a.changes) assert.ok(c.riskReason.length > 0);
    assert.throws(() => assembleUpgradePlan(model, audit, k, { to: '5.3.0' }), /nothing to plan/);
    assert.equal(assembleUpgradePlan(model, audit, k, { to: '5.3.4' }).changes.length, 0);
    assert.throws(() => assembleUpgradePlan(model, audit, k, { to: '9.9' }), /not a Celery release jobctl knows/);
  } finally {
    removeDir(dir);
  }
});
