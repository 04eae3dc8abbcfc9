// Edits: CLI option order in every place a worker command lives, requirement lines in each file format,
// Python identifiers vs strings, and apply's refusal to touch files it cannot round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { identifierOccurrences } from '../../src/plan/edits.js';
import { requirementLine } from '../../src/plan/dependencies.js';
import { globalOptionsAfterSubcommand, reorderCeleryArgv } from '../../src/rules/lib/cli.js';

test('cli-and-deploy: global options moved before the sub-command in compose, Procfile and shell; idempotent', async () => {
  const dir = checkoutFixture('cli-and-deploy');
  try {
    const plan = await planUpgrade(dir, { from: '5.3.4', to: '5.6.2' });
    const cli = plan.edits.filter((e) => e.kinds.includes('reorder-cli'));
    assert.deepEqual(cli.map((e) => e.file).sort(), ['Procfile', 'docker-compose.yml', 'scripts/run_worker.sh']);
    const procfile = cli.find((e) => e.file === 'Procfile')!;
    assert.match(procfile.diff, /^\+worker: celery --app=proj worker -l info$/m);
    assert.match(cli.find((e) => e.file === 'scripts/run_worker.sh')!.diff, /^\+exec celery -A proj worker -Q celery -l info --concurrency=2/m);
    // `celery multi start w1 -A proj` is the documented 5.x form: not reordered
    assert.ok(!plan.edits.some((e) => e.file === 'scripts/start_spare_workers.sh'));
    assert.ok(!plan.manualEdits.some((e) => e.file === 'scripts/start_spare_workers.sh'));
    // the correctly ordered Dockerfile CMD and systemd unit are left alone
    assert.ok(!plan.edits.some((e) => e.file === 'Dockerfile' || e.file.endsWith('.service')));

    const first = await applyPlan(plan, dir);
    assert.ok(first.results.filter((r) => cli.some((e) => e.id === r.editId)).every((r) => r.status === 'written'), JSON.stringify(first.results));
    const replan = await planUpgrade(dir, { from: '5.3.4', to: '5.6.2' });
    assert.deepEqual(replan.edits.filter((e) => e.kinds.includes('reorder-cli')), []);
    assert.ok(!replan.findings.some((f) => f.ruleId === 'JC401'), 'no JC401 left after the edit');
  } finally {
    removeDir(dir);
  }
});

test('apply skips a file that changed since the plan, and a file that does not parse', async () => {
  const dir = checkoutFixture('old-style-config');
  try {
    const plan = await planUpgrade(dir, { to: '5.6.2' });
    const cfg = path.join(dir, 'celeryconfig.py');
    const original = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, `${original}\nEXTRA = 1\n`);
    const r1 = await applyPlan(plan, dir);
    assert.equal(r1.results.find((r) => r.file === 'celeryconfig.py')?.status, 'skipped');
    assert.equal(readFileSync(cfg, 'utf8'), `${original}\nEXTRA = 1\n`);

    writeFileSync(cfg, `${original}\ndef broken(:\n`);
    const plan2 = await planUpgrade(dir, { from: '5.4.0', to: '5.6.2' });
    const r2 = await applyPlan(plan2, dir);
    const st = r2.results.find((r) => r.file === 'celeryconfig.py');
    assert.equal(st?.status, 'skipped');
    assert.match(st?.reason ?? '', /parse/);
    assert.equal(readFileSync(cfg, 'utf8'), `${original}\ndef broken(:\n`);
  } finally {
    removeDir(dir);
  }
});

test('celery multi takes the global options after itself; worker does not', () => {
  assert.equal(reorderCeleryArgv(['celery', 'multi', 'start', 'w1', '-A', 'proj', '-l', 'info']), null);
  assert.deepEqual(globalOptionsAfterSubcommand(['celery', 'multi', 'start', 'w1', '-A', 'proj']), []);
  assert.deepEqual(reorderCeleryArgv(['celery', 'worker', '-A', 'proj', '-l', 'info']), ['celery', '-A', 'proj', 'worker', '-l', 'info']);
  // worker options written before the sub-command (Celery 4 took them; HackSoftware's Procfile) move after it
  assert.deepEqual(reorderCeleryArgv(['celery', '--without-gossip', '--without-mingle', 'worker', '-A', 'x.tasks', '-l', 'info']), ['celery', '-A', 'x.tasks', 'worker', '-l', 'info', '--without-gossip', '--without-mingle']);
  assert.equal(reorderCeleryArgv(['celery', '-A', 'proj', '--workdir', '/srv', 'worker', '-l', 'info']), null);
});

test('identifierOccurrences ignores strings and comments', () => {
  const src = "BROKER_URL = os.environ.get('BROKER_URL')  # BROKER_URL\nX = BROKER_URL\ns = \"\"\"BROKER_URL\"\"\"\n";
  assert.deepEqual(identifierOccurrences(src, 'BROKER_URL'), [{ line: 1, column: 1 }, { line: 2, column: 5 }]);
});

test('requirement lines are written in the file format of the pin', () => {
  const base = { rawName: 'celery', extras: ['redis'], marker: undefined };
  assert.equal(requirementLine({ ...base, kind: 'requirements' }, 'celery', '==', '5.6.2'), 'celery[redis]==5.6.2');
  assert.equal(requirementLine({ ...base, kind: 'pyproject-pep621' }, 'celery', '==', '5.6.2'), '"celery[redis]==5.6.2",');
  assert.equal(requirementLine({ ...base, kind: 'pyproject-poetry' }, 'celery', '==', '5.6.2'), 'celery = { version = "5.6.2", extras = ["redis"] }');
  assert.equal(requirementLine({ ...base, extras: [], kind: 'pyproject-poetry' }, 'celery', '==', '5.6.2'), 'celery = "5.6.2"');
});

test("extension-settings: celery-redbeat's and celery_once's keys are not Celery's: left alone, never unknown; Celery's own keys renamed together", async () => {
  const dir = checkoutFixture('extension-settings');
  try {
    const plan = await planUpgrade(dir, { to: '5.6.2' });
    const edit = plan.edits.find((e) => e.file === 'celeryconfig.py')!;
    assert.deepEqual(edit.replacements.map((r) => r.from).sort(), ['BROKER_URL', 'CELERYBEAT_SCHEDULER', 'CELERY_ACKS_LATE', 'CELERY_TASK_SERIALIZER']);
    const flagged = [...plan.findings, ...plan.changes.flatMap((c) => c.affected.map((a) => ({ ...a, message: a.message })))].filter((f) => /REDBEAT_|\bONCE\b/.test(f.message ?? ''));
    assert.deepEqual(flagged, [], 'no finding or change about the extensions\' keys');
    // the typo next to them is still reported (true negative twin of the extension rule)
    assert.ok(plan.findings.some((f) => f.ruleId === 'JC104' && f.line === 11));
  } finally {
    removeDir(dir);
  }
});

test('no-deps-install: pip install --no-deps -r requirements.txt must list what the target newly requires', async () => {
  const dir = checkoutFixture('no-deps-install');
  try {
    const plan = await planUpgrade(dir, { to: '5.6.2' });
    const m = plan.manualEdits.find((x) => x.file === 'Dockerfile' && x.line === 4);
    assert.ok(m, JSON.stringify(plan.manualEdits));
    assert.match(m.suggestion, /^add to requirements\.txt: .*`python-dateutil>=2\.8\.2`/);
    assert.match(m.suggestion, /`tzlocal`/);
    // what the file already lists is not asked for again
    assert.doesNotMatch(m.suggestion, /click-repl|billiard|`vine/);
    // 5.2.7 -> 5.2.7: nothing new to list
    const same = await planUpgrade(dir, { to: '5.2.7' });
    assert.ok(!same.manualEdits.some((x) => x.file === 'Dockerfile'));
  } finally {
    removeDir(dir);
  }
});

test('sqs-alpine: pycurl comes back with celery[sqs] 5.6 and needs curl-dev on Alpine; 5.5 (urllib3 only) needs nothing', async () => {
  const dir = checkoutFixture('sqs-alpine');
  try {
    const to56 = await planUpgrade(dir, { to: '5.6.2' });
    const m = to56.manualEdits.find((x) => x.file === 'Dockerfile');
    assert.equal(m?.line, 1);
    assert.match(m!.suggestion, /apk add --no-cache curl-dev/);
    assert.ok(to56.changes.some((c) => c.id === '5.6-sqs-pycurl'));
    const to55 = await planUpgrade(dir, { to: '5.5.3' });
    assert.ok(!to55.manualEdits.some((x) => x.file === 'Dockerfile'));
  } finally {
    removeDir(dir);
  }
});
