// Plans from Celery 3.1.x and 4.x: the version header reads every pin form, the 4.x -> 5.0 changes are named
// at file:line, and the applied edits load in real Celery 5.0.5 (5.0.6 is yanked) and in the target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { probe, pythonFor } from './support.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-legacy-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  writeFileSync(path.join(dir, 'worker.py'), "from celery import Celery\napp = Celery('w')\n");
  return dir;
}

test('the version header reads 3.1/4.x pins in every form', async () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ 'requirements.txt': 'celery==4.4.7\n' }, '4.4.7', /^requirements\.txt:1$/],
    [{ 'requirements.txt': 'celery[redis,sqs]==4.4.7 \\\n    --hash=sha256:abc\n' }, '4.4.7', /^requirements\.txt:1$/],
    [{ 'requirements.txt': 'celery~=4.4.0\n' }, '4.4.7', /newest release allowed by ~=4\.4\.0/],
    [{ 'requirements.txt': 'celery<5\n' }, '4.4.7', /newest release allowed by <5/],
    [{ 'requirements/base.txt': 'Celery==3.1.25  # old\n' }, '3.1.25', /^requirements\/base\.txt:1$/],
    [{ 'setup.py': 'from setuptools import setup\nsetup(name="x", install_requires=["celery==4.3.0", "redis"])\n' }, '4.3.0', /^setup\.py:2$/],
    [{ 'setup.cfg': '[options]\ninstall_requires =\n    celery>=4.1,<4.2\n' }, '4.1.1', /setup\.cfg:3/],
    [{ 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.8"\ncelery = {version = "^4.4", extras = ["redis"]}\n' }, '4.4.7', /pyproject\.toml:3 \(newest release allowed by \^4\.4\)/],
    [{ 'pyproject.toml': '[tool.poetry.dependencies]\ncelery = "*"\n', 'poetry.lock': '[[package]]\nname = "celery"\nversion = "4.4.2"\n' }, '4.4.2', /^poetry\.lock:2$/],
    [{ 'Pipfile.lock': '{"default": {"celery": {"version": "==4.2.1"}}}' }, '4.2.1', /^Pipfile\.lock/],
  ];
  for (const [files, version, source] of cases) {
    const dir = project(files);
    try {
      const plan = await planUpgrade(dir, { to: '5.0.5' });
      assert.equal(plan.from?.version, version, JSON.stringify(files));
      assert.match(plan.from?.source ?? "", source);
    } finally {
      removeDir(dir);
    }
  }
});

test('--from 3.1.25 and --from 4.4.7 plan, crossing the 4.x and 5.x lines', async () => {
  const dir = checkoutFixture('legacy-celery4');
  try {
    const from31 = await planUpgrade(dir, { from: '3.1.25', to: '5.6.2' });
    assert.equal(from31.from?.version, '3.1.25');
    assert.deepEqual(from31.linesCrossed.slice(0, 6), ['4.0', '4.1', '4.2', '4.3', '4.4', '5.0']);
    assert.ok(from31.changes.some((c) => c.id === '4.0-lowercase-settings'));
    // the custom Task base class: 4.0 no longer registers subclasses automatically (cited change, at the class)
    assert.deepEqual(from31.changes.find((c) => c.id === '4.0-task-class-registration')?.affected.map((a) => `${a.file}:${a.line}`), ['proj/tasks.py:11']);
    // the project sets task_serializer/accept_content itself: the JSON default does not bite
    assert.ok(from31.notApplicable.some((c) => c.id === '4.0-json-default-serializer'));
    // the CI matrix tests Pythons 5.6.2 does not install on (Requires-Python >=3.9): named at its line
    const ci = from31.manualEdits.find((m) => m.file === '.github/workflows/tests.yml');
    assert.equal(ci?.line, 8);
    assert.match(ci!.suggestion, /remove 3\.7, 3\.8 from the CI matrix/);
    const from44 = await planUpgrade(dir, { from: '4.4.7', to: '5.0.5' });
    assert.ok(!from44.manualEdits.some((m) => m.file === '.github/workflows/tests.yml'), '5.0.5 installs on 3.7/3.8/3.10');
    assert.deepEqual(from44.linesCrossed, ['5.0']);
    assert.ok(!from44.changes.some((c) => c.version.startsWith('4.')));
  } finally {
    removeDir(dir);
  }
});

test('legacy-celery4: the plan names each 4.x -> 5.0 change at file:line with the edit', async () => {
  const dir = checkoutFixture('legacy-celery4');
  try {
    const plan = await planUpgrade(dir, { to: '5.0.5' });
    assert.equal(plan.from?.version, '4.4.7');
    const where = (id: string): string[] => plan.changes.find((c) => c.id === id)?.affected.map((a) => `${a.file}:${a.line}`) ?? [];
    assert.deepEqual(where('5.0-old-task-api-removed'), ['proj/tasks.py:1', 'proj/tasks.py:3']);
    assert.deepEqual(where('5.0-worker-options-renamed'), ['Procfile:1']);
    assert.ok(where('5.0-kombu-billiard-lines').includes('requirements.txt:2'));
    const procfile = plan.edits.find((e) => e.file === 'Procfile');
    assert.match(procfile!.diff, /^\+worker: celery -A proj\.celery worker --loglevel=info --max-tasks-per-child=100$/m);
    assert.match(procfile!.diff, /^\+beat: celery -A proj\.celery beat --loglevel=info$/m);
    assert.match(plan.edits.find((e) => e.file === 'requirements.txt')!.diff, /^-kombu==4\.6\.11/m);
    const m1 = plan.manualEdits.find((m) => m.file === 'proj/tasks.py' && m.line === 1);
    assert.match(m1!.suggestion, /`from celery import shared_task`.*`@task` -> `@shared_task` at proj\/tasks\.py:6/);
    // amqp 2.x (kombu 4's) blocks kombu 5: bumped to the newest amqp inside what the kombu a fresh install picks needs
    const amqp = plan.dependencies.find((d) => d.name === 'amqp' && d.where === 'requirements.txt:5');
    assert.equal(amqp?.status, 'conflict');
    assert.match(amqp!.targetNeeds ?? '', /^<6\.0\.0,>=5\./);
    assert.match(amqp!.suggestedLine ?? '', /^amqp==5\.\d+\.\d+$/);
    assert.match(plan.edits.find((e) => e.file === 'requirements.txt')!.diff, /^-amqp==2\.6\.1\n\+amqp==5\./m);
    // an extension whose 1.x caps celery<5 (read from its wheel) is bumped with Celery
    const ext = plan.manualEdits.find((m) => m.file === 'requirements.txt' && m.line === 4);
    assert.match(ext!.suggestion, /^`django-celery-results>=2\.0\.0`/);
    // Celery 5's CLI reads BROKER_URL from the environment and it overrides the configured broker_url
    assert.deepEqual(where('5.0-cli-global-options-from-env'), ['Dockerfile:7']);
    // the docs' command in the 4.x order is named with the 5.x one; the beat command already in order is not
    assert.deepEqual(plan.manualEdits.filter((m) => m.file === 'docs/running.md').map((m) => `${m.line} ${m.suggestion}`), ['6 `celery -A proj.celery worker --loglevel=info`']);
    const m2 = plan.manualEdits.find((m) => m.file === 'proj/tasks.py' && m.line === 3);
    assert.equal(m2!.suggestion, '`from celery.schedules import crontab`');
  } finally {
    removeDir(dir);
  }
});

const SETTINGS = ['broker_url', 'result_backend', 'task_serializer', 'accept_content', 'worker_max_tasks_per_child', 'imports', 'beat_schedule'];

for (const target of ['5.0.5', '5.6.2']) {
  test(`legacy-celery4: 4.4.7 -> ${target}, the applied edits load in real Celery ${target} with the values 4.4.7 had`, { timeout: 900_000 }, async () => {
    const old = await pythonFor('4.4.7');
    const python = await pythonFor(target);
    const dir = checkoutFixture('legacy-celery4');
    try {
      const before = probe(old, dir, 'proj.celery', 'app', SETTINGS);
      assert.equal(before.ok, true, before.error);
      // the untouched project does not even import on the target
      const unchanged = probe(python, dir, 'proj.celery', 'app', SETTINGS);
      assert.equal(unchanged.ok, false);
      assert.match(unchanged.error ?? '', /ImportError|ModuleNotFoundError/);

      const plan = await planUpgrade(dir, { to: target });
      await applyPlan(plan, dir);
      // the manual import edits, done as the plan writes them
      const tasks = path.join(dir, 'proj', 'tasks.py');
      const lines = readFileSync(tasks, 'utf8').split('\n');
      for (const m of plan.manualEdits.filter((x) => x.file === 'proj/tasks.py')) {
        const code = /^`([^`]+)`/.exec(m.suggestion)![1]!;
        lines[m.line - 1] = code;
        for (const at of [...m.suggestion.matchAll(/`@task` -> `@shared_task` at proj\/tasks\.py:([\d, ]+)/g)].flatMap((x) => x[1]!.split(',').map(Number))) {
          lines[at - 1] = lines[at - 1]!.replace('@task', '@shared_task');
        }
      }
      writeFileSync(tasks, lines.join('\n'));

      const after = probe(python, dir, 'proj.celery', 'app', SETTINGS);
      assert.equal(after.ok, true, after.error);
      assert.deepEqual(after.deprecated, []);
      assert.deepEqual(after.values, before.values, 'every setting keeps the value it had on 4.4.7');
      assert.deepEqual(after.tasks, before.tasks);

      // the rewritten Procfile command is accepted by the target's CLI (options are parsed before --help runs)
      const cmd = readFileSync(path.join(dir, 'Procfile'), 'utf8').split('\n')[0]!.replace(/^worker:\s*celery\s+/, '').split(/\s+/);
      const ok = spawnSync(python, ['-m', 'celery', ...cmd, '--help'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
      assert.equal(ok.status, 0, ok.stderr);
      const original = 'worker -A proj.celery --loglevel=info --maxtasksperchild=100'.split(' ');
      const bad = spawnSync(python, ['-m', 'celery', ...original, '--help'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      assert.notEqual(bad.status, 0, 'the 4.x command line fails on the target (otherwise this test proves nothing)');
    } finally {
      removeDir(dir);
    }
  });
}

test('verification commands point at the app, never at a test module that builds its own', async () => {
  const dir = project({
    'requirements.txt': 'celery==4.4.7\n',
    'aaa_tests/test_tasks.py': "from celery import Celery\ntest_app = Celery('t')\n",
    'tests/conftest.py': "from celery import Celery\nfixture_app = Celery('t')\n",
  });
  try {
    const plan = await planUpgrade(dir, { to: '5.0.5' });
    const worker = plan.verification.find((s) => s.stage === 'worker-start');
    assert.equal(worker?.command, 'celery -A worker worker --pool=solo --loglevel=INFO');
    assert.ok(!plan.verification.some((s) => /test_tasks|conftest/.test(s.command)));
  } finally {
    removeDir(dir);
  }
});
