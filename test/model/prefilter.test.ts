// The Python reader parses only the files the text pre-filter picks plus those task code reaches
// (src/model/python/prefilter.ts, FileLoader in index.ts). These tests check that this loses nothing
// the rules use: on every audit fixture, and on a project built to exercise the lazy path, the audit
// and the task-facing model are the same as with every file parsed (readAll).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPython, pythonReadStats, getModuleGlobals } from '../../src/model/python/index.js';
import { needsEagerRead } from '../../src/model/python/prefilter.js';
import { runAudit } from '../../src/engine/audit.js';
import { checkoutFixture, listAuditFixtures, removeDir } from '../support/fixtures.js';
import { emptyModel, py } from './helpers-python.js';
import type { ProjectModel, SourceFileInfo } from '../../src/model/types.js';

async function read(files: Record<string, string>, readAll: boolean): Promise<ProjectModel> {
  const model = emptyModel();
  const infos: SourceFileInfo[] = Object.entries(files).map(([file, text]) => ({ file, kind: 'python', text: py(text) }));
  model.files.push(...infos);
  await readPython(infos, model, { readAll });
  return model;
}

/** The functions task code reaches, with their callees and globals (what JC2xx/JC6xx rules walk). */
function taskCode(m: ProjectModel): unknown[] {
  const byId = new Map(m.functions.map((f) => [f.id, f]));
  const seen = new Set<string>();
  const queue = m.tasks.map((t) => t.functionId);
  while (queue.length > 0) {
    const id = queue.pop()!;
    const fn = byId.get(id);
    if (!fn || seen.has(id)) continue;
    seen.add(id);
    queue.push(...fn.callees);
  }
  return [...seen].sort().map((id) => byId.get(id));
}

const lazyProject = {
  'proj/__init__.py': '',
  'proj/celery.py': `
    from celery import Celery
    app = Celery('proj')
    app.config_from_object('proj.conf')
  `,
  // no trigger word in either: read only because config_from_object / the task reach them
  'proj/conf.py': `
    broker_url = 'redis://localhost:6379/0'
  `,
  'proj/jobs.py': `
    from proj.celery import app
    from proj.steps import prepare

    @app.task
    def nightly(x):
        return prepare(x)
  `,
  // typing.overload stubs share the implementation's id: the implementation's calls must be followed
  'proj/steps.py': `
    from typing import overload
    from proj.deeper import run_loop

    @overload
    def prepare(x: int) -> int: ...
    @overload
    def prepare(x: str) -> str: ...
    def prepare(x):
        return run_loop(x) + 1
  `,
  'proj/deeper.py': `
    from proj.clients import CLIENT

    def run_loop(x):
        return CLIENT.get(x)
  `,
  'proj/clients.py': `
    from proj.wrapper import Wrapper
    CLIENT = Wrapper()
  `,
  'proj/wrapper.py': `
    import httpx

    class Wrapper:
        def __init__(self):
            self.http = httpx.AsyncClient()

        def get(self, x):
            return x
  `,
  // nothing leads here and it has no trigger word: never parsed
  'proj/unrelated.py': `
    def untouched():
        return 42
  `,
};

test('pre-filter: trigger words and conventional config file names', () => {
  assert.equal(needsEagerRead('a/b.py', 'from celery import shared_task'), true);
  assert.equal(needsEagerRead('a/b.py', 'def f():\n    return 1\n'), false);
  assert.equal(needsEagerRead('proj/settings/base.py', 'DEBUG = True'), true);
  assert.equal(needsEagerRead('celeryconfig.py', ''), true);
  assert.equal(needsEagerRead('a/b.py', 'DB_PASSWORD = "hunter22"\n'), true);
  assert.equal(needsEagerRead('a/b.py', 'URL = "redis://u:pw@host/0"\n'), true);
  assert.equal(needsEagerRead('a/b.py', 'x = 1\nOPS_ALERT_RECIPIENTS = []\n'), true);
  assert.equal(needsEagerRead('a/b.py', 'def later(t):\n    t.apply_async(countdown=7200)\n'), true);
});

test('lazy read: task code across files without trigger words is complete; unreached files are not parsed', async () => {
  const lazy = await read(lazyProject, false);
  const all = await read(lazyProject, true);
  const stats = pythonReadStats(lazy)!;
  assert.equal(stats.files, 9);
  assert.equal(stats.parsed, 8, 'everything but proj/unrelated.py');
  assert.equal(pythonReadStats(all)!.parsed, 9);
  assert.ok(stats.eager < stats.parsed, 'some files were reached lazily');
  assert.equal(lazy.functions.some((f) => f.id === 'proj.unrelated:untouched'), false);
  assert.equal(all.functions.some((f) => f.id === 'proj.unrelated:untouched'), true);

  assert.deepEqual(lazy.tasks, all.tasks);
  assert.deepEqual(lazy.apps, all.apps);
  assert.deepEqual(lazy.configSources, all.configSources);
  assert.deepEqual(lazy.configSources.flatMap((s) => s.settings.map((x) => x.name)), ['broker_url']);
  assert.deepEqual(taskCode(lazy), taskCode(all));
  assert.deepEqual(lazy.functions.filter((f) => f.id === 'proj.steps:prepare').map((f) => f.callees), [[], [], ['proj.deeper:run_loop']]);
  const reached = (taskCode(lazy) as { id: string }[]).map((f) => f.id);
  assert.deepEqual(reached, ['proj.deeper:run_loop', 'proj.jobs:nightly', 'proj.steps:prepare']);
  // the loop-bound global's class (read only because task code uses CLIENT) is in the model
  assert.equal(getModuleGlobals(lazy).get('proj.clients')?.get('CLIENT')?.callee, 'proj.wrapper.Wrapper');
  assert.ok(lazy.functions.some((f) => f.id === 'proj.wrapper:Wrapper.__init__' && f.calls.some((c) => c.resolved === 'httpx.AsyncClient')));
});

test('every audit fixture: the same findings with the pre-filter as with every file parsed', async () => {
  const saved = process.env.JOBCTL_PYTHON_READ_ALL;
  try {
    for (const name of listAuditFixtures()) {
      const dir = checkoutFixture(name);
      try {
        process.env.JOBCTL_PYTHON_READ_ALL = '1';
        const full = await runAudit(dir);
        delete process.env.JOBCTL_PYTHON_READ_ALL;
        const lazy = await runAudit(dir);
        const key = (f: (typeof full.findings)[number]): string => `${f.location.file}:${f.location.line} ${f.ruleId} ${f.message}`;
        assert.deepEqual(lazy.findings.map(key), full.findings.map(key), `fixture ${name}`);
      } finally {
        removeDir(dir);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.JOBCTL_PYTHON_READ_ALL;
    else process.env.JOBCTL_PYTHON_READ_ALL = saved;
  }
});

test('Python files in hidden folders (.semgrep samples) are not read as project code', async () => {
  const m = await read({
    'proj/__init__.py': '',
    'proj/tasks.py': `
      from celery import shared_task

      @shared_task
      def real(x):
          return x * 2
    `,
    '.semgrep/correctness/celery/celery-stub-task.py': `
      from celery import shared_task

      @shared_task
      def sample():
          pass
    `,
  }, false);
  assert.deepEqual(m.tasks.map((t) => t.name), ['proj.tasks.real']);
  assert.ok(m.notes.some((n) => n.level === 'info' && n.file === '.semgrep/correctness/celery/celery-stub-task.py' && /hidden folders/.test(n.message)));
  assert.equal(pythonReadStats(m)!.files, 2);
});
