// Task names as Celery registers them (src/model/python/tasks.ts): the module as the worker imports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProject } from './helpers-python.js';

test('src layout with a namespace package inside: names relative to the app import folder', async () => {
  const m = await readProject({
    'src/pkg/__init__.py': '',
    'src/pkg/celery.py': `
      from celery import Celery
      app = Celery('pkg', include=['pkg.jobs.sync'])
    `,
    'src/pkg/jobs/sync.py': `
      from pkg.celery import app
      @app.task
      def run():
          pass
      def helper():
          pass
      helper_task = app.task(name='pkg.helper')(helper)
    `,
    'scripts/tool.py': `
      def unrelated():
          pass
    `,
  });
  assert.deepEqual(m.tasks.map((t) => [t.name, t.module, t.explicitName, t.file, t.loc.line]), [
    ['pkg.jobs.sync.run', 'pkg.jobs.sync', false, 'src/pkg/jobs/sync.py', 2],
    ['pkg.helper', 'pkg.jobs.sync', true, 'src/pkg/jobs/sync.py', 7],
  ]);
});
