// The one resolver: offline answers (from the generated wheel metadata) for the known traps, and the
// proof that offline and `pip install --dry-run --report` agree on every fixture's requirements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkInstall, checkInstallWithPip, requirementsOf, type InstallCheck, type Requirement } from '../../src/deps/index.js';
import { parseRequirement } from '../../src/deps/pep508.js';
import { buildProjectModel } from '../../src/model/index.js';
import { ensureVenv } from '../../src/verify/cache.js';
import { usesRedisBroker } from '../../src/rules/lib/broker.js';
import { projectPython } from '../../src/rules/lib/install.js';
import { loadKnowledge } from '../../src/knowledge/index.js';
import { fixturesDir, listAuditFixtures } from '../support/fixtures.js';

function reqs(...lines: string[]): Requirement[] {
  return lines.map((l, i) => ({ ...parseRequirement(l)!, where: `requirements.txt:${i + 1}` }));
}

function summary(c: InstallCheck): string {
  const r = c.resolution;
  if (!r.ok) return `conflict on ${r.mode === 'offline' ? r.failure?.name : '?'}`;
  return ['celery', 'kombu', 'redis'].map((n) => `${n} ${r.versions[n] ?? '-'}`).join(', ') + (c.traps.length ? ` | ${c.traps.map((t) => t.id).join(',')}` : '');
}

// Each row was checked with pip 26.3 (`pip install --dry-run --ignore-installed --report`) on CPython 3.11.
const CASES: [string[], string, string][] = [
  [['celery==5.4.0', 'redis==5.0.1'], '3.11', 'celery 5.4.0, kombu 5.7.0, redis 5.0.1 | redis-transport-refuses-redis-py,redis-transport-import-missing'],
  // celery[redis] 5.4.0 pins redis-py itself (<6), not kombu[redis]: pip does not backtrack kombu
  [['celery[redis]==5.4.0', 'redis==5.0.1'], '3.11', 'celery 5.4.0, kombu 5.7.0, redis 5.0.1 | redis-transport-refuses-redis-py,redis-transport-import-missing'],
  [['celery==5.4.0', 'redis~=5.2.0'], '3.11', 'celery 5.4.0, kombu 5.7.0, redis 5.2.1 | redis-transport-refuses-redis-py,redis-transport-import-missing'],
  // 5.6.3's redis extra is kombu[redis]: pip backtracks to kombu 5.6.2, whose extra accepts 5.0.1
  [['celery[redis]==5.6.3', 'redis==5.0.1'], '3.11', 'celery 5.6.3, kombu 5.6.2, redis 5.0.1'],
  [['celery==5.6.3', 'redis==5.0.1'], '3.11', 'celery 5.6.3, kombu 5.7.0, redis 5.0.1 | redis-transport-refuses-redis-py,redis-transport-import-missing'],
  [['celery==5.4.0', 'redis==5.0.1', 'kombu<5.7'], '3.11', 'celery 5.4.0, kombu 5.6.2, redis 5.0.1'],
  // an unpinned kombu line changes nothing: pip still takes the newest
  [['celery==5.4.0', 'redis==5.0.1', 'kombu'], '3.11', 'celery 5.4.0, kombu 5.7.0, redis 5.0.1 | redis-transport-refuses-redis-py,redis-transport-import-missing'],
  // kombu 5.7.0 needs Python >= 3.10: on 3.9 the same pins are fine
  [['celery==5.4.0', 'redis==5.0.1'], '3.9', 'celery 5.4.0, kombu 5.6.2, redis 5.0.1'],
  [['celery[redis]==5.5.3', 'kombu==5.5.4', 'celery==5.7.0'], '3.11', 'conflict on celery'],
  // celery 5.0.0-5.2.0 declare `pytz (>dev)`: pip >= 24.1 ignores them ("invalid metadata")
  [['celery==5.0.6'], '3.11', 'conflict on celery'],
  [['celery>=5.0,<5.3'], '3.11', 'celery 5.2.7, kombu 5.7.0, redis - | redis-transport-import-missing'],
];

for (const [lines, python, want] of CASES) {
  test(`offline: ${lines.join(' ')} on Python ${python}`, () => {
    assert.equal(summary(checkInstall(reqs(...lines), { python, usesRedis: true })), want);
  });
}

test('offline: a pin outside what the target allows is a conflict that names both sides', () => {
  const c = checkInstall(reqs('celery[redis]==5.7.0', 'kombu==5.5.4'), { python: '3.11', usesRedis: true });
  assert.equal(c.resolution.ok, false);
  const f = !c.resolution.ok ? c.resolution.failure : undefined;
  assert.equal(f?.name, 'kombu');
  assert.ok(f?.constraints.some((x) => x.where === 'requirements.txt:2' && x.spec === '==5.5.4'));
  assert.ok(f?.constraints.some((x) => x.from === 'celery 5.7.0' && x.spec === '>=5.7.0'));
});

test('fixes: kombu line pin where celery[redis] caps redis-py below 6, a redis-py bump + kombu[redis] otherwise', () => {
  const capped = checkInstall(reqs('celery[redis]==5.4.0', 'redis==5.0.1'), { python: '3.11', usesRedis: true });
  assert.equal(capped.fix?.kind, 'kombu-line-pin');
  assert.deepEqual(capped.fix?.edits.map((e) => `${e.action} ${e.pep508}`), ['add kombu<5.7']);
  const free = checkInstall(reqs('celery==5.4.0', 'redis~=5.2.0'), { python: '3.11', usesRedis: true });
  assert.equal(free.fix?.kind, 'redis-bump');
  assert.deepEqual(free.fix?.edits.map((e) => `${e.action} ${e.pep508}`), ['replace redis~=6.4.0', 'add kombu[redis]']);
  // every proposed fix resolves offline without a trap (proposeFix checks it; this re-checks from the outside)
  for (const fix of [capped.fix!, free.fix!]) {
    const after = checkInstall(reqs(...fix.requirements), { python: '3.11', usesRedis: true });
    assert.equal(after.resolution.ok, true);
    assert.deepEqual(after.traps, []);
  }
  // no trap on a broker other than Redis: nothing to fix
  assert.equal(checkInstall(reqs('celery==5.4.0', 'redis==5.0.1'), { python: '3.11', usesRedis: false }).fix, null);
});

test('fixes are written in the file format of the project (Poetry, PEP 621)', async () => {
  const model = await buildProjectModel(path.join(fixturesDir, 'deps-trap-poetry'));
  const c = checkInstall(requirementsOf(model), { python: '3.11', usesRedis: true });
  assert.deepEqual(c.fix?.edits.map((e) => e.line), ['kombu = "<5.7"']);
  const pep621 = await buildProjectModel(path.join(fixturesDir, 'deps-trap-pyproject'));
  const d = checkInstall(requirementsOf(pep621), { python: '3.11', usesRedis: true });
  assert.deepEqual(d.fix?.edits.map((e) => e.line), ['"redis~=6.4.0",', '"kombu[redis]",']);
});

// ---------------------------------------------------------------------------------------------
// offline == pip on the fixtures

const FAMILY = ['celery', 'kombu', 'redis', 'billiard', 'vine', 'click', 'amqp'];

test('offline and pip --dry-run --report give the same answer on every fixture', { timeout: 20 * 60_000 }, async (t) => {
  const python = process.env.JOBCTL_TEST_PYTHON ?? 'python3.11';
  let tool;
  try {
    tool = await ensureVenv({ label: 'pip-resolver', requirements: ['pip>=24.0'], basePython: python });
  } catch (e) {
    t.skip(`no ${python} with venv: ${(e as Error).message}`);
    return;
  }
  const k = loadKnowledge();
  let compared = 0;
  for (const name of listAuditFixtures()) {
    const dir = path.join(fixturesDir, name);
    if (!existsSync(dir)) continue;
    const model = await buildProjectModel(dir);
    const all = requirementsOf(model);
    if (!all.some((r) => r.name === 'celery')) continue;
    // the Celery family only: the other lines (psycopg2, private packages) are not what is compared,
    // and pip would have to build their sdists
    const family = all.filter((r) => FAMILY.includes(r.name) || r.name === 'packaging');
    const usesRedis = usesRedisBroker(model, k);
    const offline = checkInstall(family, { python: '3.11', usesRedis });
    const pip = await checkInstallWithPip(family, { pythonExe: tool.python, usesRedis });
    assert.equal(pip.resolution.ok, offline.resolution.ok, `${name}: pip ${pip.resolution.ok ? 'resolves' : `fails: ${!pip.resolution.ok && pip.resolution.conflict.join(' / ')}`}, offline ${offline.resolution.ok ? 'resolves' : 'fails'}`);
    if (pip.resolution.ok && offline.resolution.ok) {
      const pick = (v: Record<string, string>): Record<string, string | null> => Object.fromEntries(FAMILY.map((n) => [n, v[n] ?? null]));
      const o = pick(offline.resolution.versions);
      const p = pick(pip.resolution.versions);
      // offline leaves redis-py out when nothing asks for it; pip then does not install it either
      assert.deepEqual(o, p, `${name}: ${JSON.stringify(family.map((r) => `${r.name}${r.specifier}`))}`);
      assert.deepEqual(offline.traps.map((x) => x.id), pip.traps.map((x) => x.id), `${name}: traps`);
      assert.deepEqual(offline.fix?.requirements ?? null, pip.fix?.requirements ?? null, `${name}: fix`);
    }
    void projectPython;
    compared++;
  }
  assert.ok(compared >= 8, `compared ${compared} fixtures`);
});

test('upgrade-plan to 5.6.3 / 5.7.0 keeps the redis row for a ~= pin the target cannot run with', async () => {
  const { planUpgrade } = await import('../../src/plan/index.js');
  for (const to of ['5.6.3', '5.7.0']) {
    const plan = await planUpgrade(path.join(fixturesDir, 'deps-trap-pyproject'), { to });
    const redis = plan.dependencies.find((d) => d.name === 'redis' && !d.isLock);
    assert.equal(redis?.currentSpecifier, '~=5.2.0', to);
    assert.equal(redis?.status, 'conflict', `${to}: ${JSON.stringify(redis)}`);
    assert.equal(redis?.suggestedLine, '"redis~=6.4.0",', to);
    assert.ok(plan.manualEdits.some((m) => m.suggestion.includes('"redis~=6.4.0",')), `${to}: the plan tells the user to change the line`);
  }
});
