import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProject } from './helpers-python.js';
import { getModuleGlobals, getModuleLevelCalls } from '../../src/model/python/index.js';
import { moduleNames } from '../../src/model/python/modules.js';
import type { ProjectModel } from '../../src/model/types.js';

const names = (m: ProjectModel, id: string): string[] => m.configSources.find((s) => s.id === id)!.settings.map((s) => s.name);

test('module names: packages, namespace-less scripts, src layout', () => {
  const infos = moduleNames([
    'backend/app/__init__.py', 'backend/app/tasks/__init__.py', 'backend/app/tasks/chat_tasks.py', 'backend/manage.py',
    'src/pkg/__init__.py', 'src/pkg/worker.py', 'scripts/run.py',
  ]);
  assert.deepEqual(infos.map((i) => [i.file, i.module, i.isPackage]), [
    ['backend/app/__init__.py', 'app', true],
    ['backend/app/tasks/__init__.py', 'app.tasks', true],
    ['backend/app/tasks/chat_tasks.py', 'app.tasks.chat_tasks', false],
    ['backend/manage.py', 'manage', false],
    ['src/pkg/__init__.py', 'pkg', true],
    ['src/pkg/worker.py', 'pkg.worker', false],
    ['scripts/run.py', 'run', false],
  ]);
});

test('Django project: proj/celery.py with namespace and a settings package', async () => {
  const m = await readProject({
    'manage.py': `
      import os, sys
      if __name__ == '__main__':
          os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings.production')
    `,
    'proj/__init__.py': `
      from .celery import app as celery_app
      __all__ = ('celery_app',)
    `,
    'proj/celery.py': `
      import os
      from celery import Celery
      os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings.production')
      app = Celery('proj')
      app.config_from_object('django.conf:settings', namespace='CELERY')
      app.autodiscover_tasks()
    `,
    'proj/settings/__init__.py': '',
    'proj/settings/base.py': `
      import environ
      env = environ.Env()
      DEBUG = False
      CELERY_BROKER_URL = env('CELERY_BROKER_URL', default='redis://localhost:6379/0')
      CELERY_TASK_ALWAYS_EAGER = False
      INSTALLED_APPS: list[str] = ['django.contrib.admin']
    `,
    'proj/settings/production.py': `
      from .base import *
      CELERY_RESULT_BACKEND = os.environ['RESULT_URL']
      CELERYD_CONCURRENCY = 4
    `,
    'shop/__init__.py': '',
    'shop/tasks.py': `
      from celery import shared_task
      @shared_task
      def add(x, y):
          return x + y
    `,
  });
  assert.deepEqual(m.notes, []);
  assert.equal(m.apps.length, 1);
  const app = m.apps[0]!;
  assert.deepEqual(
    { id: app.id, variable: app.variable, module: app.module, main: app.main, file: app.file, line: app.loc.line, autodiscover: app.autodiscover },
    { id: 'proj.celery:app', variable: 'app', module: 'proj.celery', main: 'proj', file: 'proj/celery.py', line: 4, autodiscover: true },
  );
  // the module DJANGO_SETTINGS_MODULE names, with what its `from .base import *` brings in (not every file of the package)
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.file, s.namespace, s.appId, s.isDjangoConfSettings, s.objectRef, s.loc.line]), [
    ['django-settings', 'proj/settings/production.py', 'CELERY', 'proj.celery:app', true, 'django.conf:settings', 5],
  ]);
  assert.deepEqual(app.configSourceIds, m.configSources.map((s) => s.id));
  const prod = m.configSources[0]!;
  assert.deepEqual(prod.settings.map((s) => [s.name, s.loc.file]), [
    ['env', 'proj/settings/base.py'], ['DEBUG', 'proj/settings/base.py'], ['CELERY_BROKER_URL', 'proj/settings/base.py'],
    ['CELERY_TASK_ALWAYS_EAGER', 'proj/settings/base.py'], ['INSTALLED_APPS', 'proj/settings/base.py'],
    ['CELERY_RESULT_BACKEND', 'proj/settings/production.py'], ['CELERYD_CONCURRENCY', 'proj/settings/production.py'],
  ]);
  const broker = prod.settings[2]!;
  assert.deepEqual(broker.value, { kind: 'env', name: 'CELERY_BROKER_URL', default: { kind: 'str', value: 'redis://localhost:6379/0' } });
  assert.deepEqual([broker.loc.line, broker.keyLoc.line, broker.keyLoc.column, broker.keyLoc.endColumn], [4, 4, 1, 18]);
  assert.deepEqual(prod.settings[4]!.value, { kind: 'list', items: [{ kind: 'str', value: 'django.contrib.admin' }], brackets: 'list' });
  assert.deepEqual(prod.settings.slice(5).map((s) => [s.name, s.value]), [
    ['CELERY_RESULT_BACKEND', { kind: 'env', name: 'RESULT_URL' }],
    ['CELERYD_CONCURRENCY', { kind: 'num', value: 4 }],
  ]);
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.tasks.map((t) => [t.name, t.explicitName, t.decorator, t.functionId, t.loc.line]), [['shop.tasks.add', false, 'shared_task', 'shop.tasks:add', 2]]);
});

test('config styles: ctor, conf.update (kwargs, dict, **name), conf attrs, config module, config class', async () => {
  const m = await readProject({
    'proj/__init__.py': '',
    'proj/celeryconfig.py': `
      BROKER_URL = 'redis://localhost'
      CELERY_RESULT_BACKEND = 'redis://localhost/1'
      _private = 1
    `,
    'proj/config.py': `
      class BaseConfig:
          task_serializer = 'json'
          task_time_limit = 60 * 5
      class ProdConfig(BaseConfig):
          task_time_limit = 600
          worker_prefetch_multiplier = 1
    `,
    'proj/app.py': `
      import os
      from celery import Celery
      from proj.config import ProdConfig
      REDIS_URL = 'redis://cache:6379/0'
      EXTRA = {'task_acks_late': True, 'worker_max_tasks_per_child': 100}
      celery_app = Celery(
          'proj',
          broker=REDIS_URL,
          backend=os.getenv('RESULT_BACKEND', 'redis://cache:6379/1'),
          include=['proj.tasks'],
      )
      celery_app.conf.update(task_serializer='json', result_expires=3600)
      celery_app.conf.update({'timezone': 'UTC', 'enable_utc': True})
      celery_app.conf.update(**EXTRA)
      celery_app.conf.task_default_queue = 'default'
      celery_app.conf['worker_concurrency'] = 2
      celery_app.config_from_object('proj.celeryconfig')
      celery_app.config_from_object(ProdConfig)
      celery_app.config_from_envvar('CELERY_CONFIG_MODULE')
    `,
    'celeryconfig.py': `
      broker_url = 'amqp://'
    `,
  });
  const app = m.apps[0]!;
  assert.equal(m.apps.length, 1);
  assert.equal(app.id, 'proj.app:celery_app');
  const kinds = m.configSources.map((s) => [s.kind, s.file, s.loc.line, s.appId, s.namespace]);
  assert.deepEqual(kinds, [
    ['config-module', 'celeryconfig.py', 1, null, null],
    ['celery-ctor', 'proj/app.py', 6, 'proj.app:celery_app', null],
    ['conf-update', 'proj/app.py', 12, 'proj.app:celery_app', null],
    ['conf-update', 'proj/app.py', 13, 'proj.app:celery_app', null],
    ['conf-update', 'proj/app.py', 14, 'proj.app:celery_app', null],
    ['conf-attr', 'proj/app.py', 15, 'proj.app:celery_app', null],
    ['config-module', 'proj/celeryconfig.py', 17, 'proj.app:celery_app', null],
    ['config-object', 'proj/config.py', 18, 'proj.app:celery_app', null],
  ]);
  assert.equal(app.configSourceIds.length, 7);
  const ctor = m.configSources[1]!;
  assert.deepEqual(ctor.settings.map((s) => [s.name, s.value, s.keyLoc.line, s.keyLoc.column]), [
    ['broker_url', { kind: 'str', value: 'redis://cache:6379/0' }, 8, 5],
    ['result_backend', { kind: 'env', name: 'RESULT_BACKEND', default: { kind: 'str', value: 'redis://cache:6379/1' } }, 9, 5],
    ['include', { kind: 'list', items: [{ kind: 'str', value: 'proj.tasks' }], brackets: 'list' }, 10, 5],
  ]);
  assert.equal(ctor.settings[0]!.valueText, 'REDIS_URL');
  assert.deepEqual(names(m, m.configSources[2]!.id), ['task_serializer', 'result_expires']);
  assert.deepEqual(m.configSources[3]!.settings.map((s) => [s.name, s.value, s.keyLoc.column]), [
    ['timezone', { kind: 'str', value: 'UTC' }, 25],
    ['enable_utc', { kind: 'bool', value: true }, 44],
  ]);
  assert.deepEqual(names(m, m.configSources[4]!.id), ['task_acks_late', 'worker_max_tasks_per_child']);
  assert.deepEqual(m.configSources[5]!.settings.map((s) => [s.name, s.value, s.loc.line]), [
    ['task_default_queue', { kind: 'str', value: 'default' }, 15],
    ['worker_concurrency', { kind: 'num', value: 2 }, 16],
  ]);
  const mod = m.configSources[6]!;
  assert.equal(mod.objectRef, 'proj.celeryconfig');
  assert.deepEqual(mod.settings.map((s) => [s.name, s.loc.file, s.loc.line]), [
    ['BROKER_URL', 'proj/celeryconfig.py', 1], ['CELERY_RESULT_BACKEND', 'proj/celeryconfig.py', 2], ['_private', 'proj/celeryconfig.py', 3],
  ]);
  const obj = m.configSources[7]!;
  assert.equal(obj.objectRef, 'ProdConfig');
  assert.deepEqual(obj.settings.map((s) => [s.name, s.value]), [
    ['task_serializer', { kind: 'str', value: 'json' }],
    ['task_time_limit', { kind: 'num', value: 600 }],
    ['worker_prefetch_multiplier', { kind: 'num', value: 1 }],
  ]);
  // no default for $CELERY_CONFIG_MODULE anywhere: an unread source (JC001), not a guess
  assert.deepEqual(m.notes, []);
  assert.deepEqual(m.unread.map((u) => [u.file, u.loc?.line, u.what, u.appId, u.holds]), [['proj/app.py', 19, 'config module chosen by $CELERY_CONFIG_MODULE', 'proj.app:celery_app', 'config']]);
});

test('tasks: options, explicit names, app imported from another module, class-based, async def', async () => {
  const m = await readProject({
    'app/__init__.py': '',
    'app/core/__init__.py': '',
    'app/core/celery_app.py': `
      import celery
      celery_app = celery.Celery('worker')
    `,
    'app/tasks.py': `
      from celery import Task
      from .core.celery_app import celery_app
      import pytest

      class BaseTask(Task):
          autoretry_for = (Exception,)

      @celery_app.task(bind=True, name='emails.send', max_retries=3, autoretry_for=(ConnectionError,), retry_backoff=True,
                       time_limit=300, soft_time_limit=240, acks_late=True, queue='mail', base=BaseTask)
      def send_email(self, to, *args, **kwargs):
          """Send."""
          return to

      @celery_app.task
      async def fetch(url):
          return url

      @pytest.fixture
      def client():
          return None

      class ReportTask(BaseTask):
          name = 'reports.build'
          max_retries = 5
          def run(self, report_id):
              return report_id

      celery_app.register_task(ReportTask())
    `,
  });
  assert.deepEqual(m.notes, []);
  assert.deepEqual(m.tasks.map((t) => [t.name, t.explicitName, t.decorator, t.appVariable, t.functionId, t.loc.line, t.isAsync, t.params]), [
    ['emails.send', true, 'app.task', 'celery_app', 'app.tasks:send_email', 8, false, ['self', 'to', '*args', '**kwargs']],
    ['app.tasks.fetch', false, 'app.task', 'celery_app', 'app.tasks:fetch', 14, true, ['url']],
    ['reports.build', true, 'class', null, 'app.tasks:ReportTask.run', 22, false, ['self', 'report_id']],
  ]);
  const send = m.tasks[0]!;
  assert.deepEqual(Object.keys(send.options), ['bind', 'name', 'max_retries', 'autoretry_for', 'retry_backoff', 'time_limit', 'soft_time_limit', 'acks_late', 'queue', 'base']);
  assert.deepEqual(send.options['autoretry_for'], { kind: 'list', items: [{ kind: 'name', dotted: 'ConnectionError' }], brackets: 'tuple' });
  assert.deepEqual(send.options['time_limit'], { kind: 'num', value: 300 });
  assert.deepEqual(send.options['base'], { kind: 'name', dotted: 'BaseTask' });
  assert.deepEqual([send.optionLocs['queue']!.line, send.optionLocs['queue']!.column], [9, 71]);
  assert.equal(send.bodyText, '    """Send."""\n    return to');
  assert.deepEqual(m.tasks[2]!.options['max_retries'], { kind: 'num', value: 5 });
  assert.equal(m.apps.length, 1);
  assert.deepEqual([m.apps[0]!.id, m.apps[0]!.main], ['app.core.celery_app:celery_app', 'worker']);
});

test('call graph: helper following across modules, aliases, module globals, async context', async () => {
  const m = await readProject({
    'backend/app/__init__.py': '',
    'backend/app/worker.py': `
      from celery import Celery
      app = Celery('app')
    `,
    'backend/app/tasks/__init__.py': '',
    'backend/app/tasks/chat_tasks.py': `
      import asyncio as aio
      from asyncio import run as r
      from asgiref.sync import async_to_sync
      from ..worker import app
      from ..services.helpers import run_ai
      from ..services import helpers as h

      @app.task(bind=True)
      def answer(self, q):
          out = run_ai(q)
          h.other()
          r(h.coro())
          aio.run(h.coro())
          async_to_sync(h.coro)()
          res = answer.delay(q).get(timeout=5)
          def inner():
              return aio.get_event_loop()
          inner()
          return out
    `,
    'backend/app/services/__init__.py': '',
    'backend/app/services/helpers.py': `
      import asyncio
      import httpx
      import nest_asyncio
      nest_asyncio.apply()
      client = httpx.AsyncClient(timeout=10)
      LIMIT = 3

      async def coro():
          await client.get('https://x')
          return LIMIT

      def run_ai(q):
          return asyncio.run(coro())

      def other():
          client = None
          return client

      class Svc:
          def a(self):
              return self.b()
          def b(self):
              loop = asyncio.get_event_loop()
              return loop.run_until_complete(coro())
    `,
  });
  assert.deepEqual(m.notes, []);
  const fn = (id: string) => m.functions.find((f) => f.id === id)!;
  assert.deepEqual(m.functions.map((f) => f.id), [
    'app.services.helpers:coro', 'app.services.helpers:run_ai', 'app.services.helpers:other', 'app.services.helpers:Svc.a', 'app.services.helpers:Svc.b',
    'app.tasks.chat_tasks:answer', 'app.tasks.chat_tasks:answer.inner',
  ]);
  const answer = fn('app.tasks.chat_tasks:answer');
  assert.deepEqual(answer.callees, [
    'app.services.helpers:coro', 'app.services.helpers:other', 'app.services.helpers:run_ai', 'app.tasks.chat_tasks:answer.inner',
  ]);
  assert.deepEqual(answer.calls.map((c) => [c.callee, c.resolved, c.loc.line, c.positionalCount]), [
    ['run_ai', 'app.services.helpers.run_ai', 10, 1],
    ['h.other', 'app.services.helpers.other', 11, 0],
    ['r', 'asyncio.run', 12, 1],
    ['h.coro', 'app.services.helpers.coro', 12, 0],
    ['aio.run', 'asyncio.run', 13, 1],
    ['h.coro', 'app.services.helpers.coro', 13, 0],
    ['async_to_sync()', 'asgiref.sync.async_to_sync()', 14, 0],
    ['async_to_sync', 'asgiref.sync.async_to_sync', 14, 1],
    ['answer.delay().get', 'answer.delay().get', 15, 0],
    ['answer.delay', 'answer.delay', 15, 1],
    ['inner', 'inner', 18, 0],
  ]);
  const get = answer.calls[8]!;
  assert.deepEqual([get.argsText, get.kwargs], ['timeout=5', { timeout: { kind: 'num', value: 5 } }]);
  assert.equal(answer.calls.every((c) => !c.inAsyncContext), true);
  assert.deepEqual(fn('app.tasks.chat_tasks:answer.inner').calls.map((c) => c.resolved), ['asyncio.get_event_loop']);
  const coro = fn('app.services.helpers:coro');
  assert.deepEqual([coro.isAsync, coro.moduleGlobalsUsed, coro.calls.map((c) => [c.callee, c.inAsyncContext])], [true, ['LIMIT', 'client'], [['client.get', true]]]);
  assert.deepEqual(fn('app.services.helpers:run_ai').callees, ['app.services.helpers:coro']);
  assert.deepEqual(fn('app.services.helpers:other').moduleGlobalsUsed, []);
  assert.deepEqual(fn('app.services.helpers:Svc.a').callees, ['app.services.helpers:Svc.b']);
  assert.deepEqual(fn('app.services.helpers:Svc.b').calls.map((c) => c.callee), ['asyncio.get_event_loop', 'loop.run_until_complete', 'coro']);
  assert.deepEqual(m.tasks.map((t) => [t.functionId, t.appVariable]), [['app.tasks.chat_tasks:answer', 'app']]);

  const globals = getModuleGlobals(m).get('app.services.helpers')!;
  assert.deepEqual([...globals.keys()], ['client', 'LIMIT']);
  assert.deepEqual(globals.get('client'), { callee: 'httpx.AsyncClient', valueText: 'httpx.AsyncClient(timeout=10)', loc: { file: 'backend/app/services/helpers.py', line: 5, column: 1, endLine: 5, endColumn: 39 } });
  assert.equal(globals.get('LIMIT')!.callee, null);
  assert.deepEqual(getModuleLevelCalls(m).get('app.services.helpers')!.map((c) => [c.resolved, c.loc.line]), [
    ['nest_asyncio.apply', 4], ['httpx.AsyncClient', 5],
  ]);
  assert.deepEqual(getModuleLevelCalls(m).get('app.tasks.chat_tasks')!.map((c) => c.resolved), ['app.worker.app.task']);
});

test('PyValue evaluation: env readers, constants, concatenation, f-strings, arithmetic', async () => {
  const m = await readProject({
    'celeryconfig.py': `
      import os
      from decouple import config
      import environ
      env = environ.Env()
      HOST = 'localhost'
      a = os.environ.get('A', 'x')
      b = os.getenv('B')
      c = os.environ['C']
      d = env('D', default='redis://')
      e = env.int('E', default=3)
      f = config('F', default='z')
      g = int(os.getenv('G', '30'))
      h = os.environ.get('H') or 'fallback'
      i = 'redis://' 'host'
      j = f'redis://{HOST}'
      k = 60 * 60
      l = HOST
      m = settings.REDIS_URL
      n = {'visibility_timeout': 3600, 'x': [1, 2.5, None, -1]}
      o = timedelta(minutes=5)
      p = 0x10
    `,
  });
  const v = Object.fromEntries(m.configSources[0]!.settings.map((s) => [s.name, s.value]));
  assert.deepEqual(v, {
    env: { kind: 'expr', text: 'environ.Env()' },
    HOST: { kind: 'str', value: 'localhost' },
    a: { kind: 'env', name: 'A', default: { kind: 'str', value: 'x' } },
    b: { kind: 'env', name: 'B' },
    c: { kind: 'env', name: 'C' },
    d: { kind: 'env', name: 'D', default: { kind: 'str', value: 'redis://' } },
    e: { kind: 'env', name: 'E', default: { kind: 'num', value: 3 } },
    f: { kind: 'env', name: 'F', default: { kind: 'str', value: 'z' } },
    g: { kind: 'env', name: 'G', default: { kind: 'num', value: 30 } },
    h: { kind: 'env', name: 'H', default: { kind: 'str', value: 'fallback' } },
    i: { kind: 'str', value: 'redis://host' },
    j: { kind: 'expr', text: "f'redis://{HOST}'" },
    k: { kind: 'num', value: 3600 },
    l: { kind: 'str', value: 'localhost' },
    m: { kind: 'name', dotted: 'settings.REDIS_URL' },
    n: { kind: 'dict', entries: [
      { key: { kind: 'str', value: 'visibility_timeout' }, value: { kind: 'num', value: 3600 } },
      { key: { kind: 'str', value: 'x' }, value: { kind: 'list', brackets: 'list', items: [{ kind: 'num', value: 1 }, { kind: 'num', value: 2.5 }, { kind: 'none' }, { kind: 'num', value: -1 }] } },
    ] },
    o: { kind: 'expr', text: 'timedelta(minutes=5)' },
    p: { kind: 'num', value: 16 },
  });
});

test('syntax errors become notes; the rest of the project is still read; output is deterministic', async () => {
  const files = {
    'b/broken.py': `
      def ok():
          return 1

      def broken(:
          pass

      @shared_task
      def later():
          pass
    `,
    'a/tasks.py': `
      from celery import shared_task
      @shared_task(name='a.t')
      def t():
          pass
    `,
  };
  const m = await readProject(files);
  assert.deepEqual(m.notes.map((n) => [n.level, n.file, /syntax error near line \d+/.test(n.message)]), [['warning', 'b/broken.py', true]]);
  assert.deepEqual(m.tasks.map((t) => t.name), ['a.t', 'broken.later']);
  assert.ok(m.functions.some((f) => f.id === 'broken:ok'));
  const again = await readProject(Object.fromEntries(Object.entries(files).reverse()));
  assert.deepEqual(again.functions.map((f) => f.id), m.functions.map((f) => f.id));
  assert.deepEqual(again.tasks, m.tasks);
});

test('Flask factory: app created in a function and bound at module level', async () => {
  const m = await readProject({
    'factory.py': `
      from celery import Celery
      def make_celery(flask_app):
          celery = Celery(flask_app.import_name, broker=flask_app.config['BROKER'])
          celery.conf.update(flask_app.config)
          return celery
      flask_app = object()
      celery = make_celery(flask_app)

      @celery.task()
      def work():
          pass
    `,
  });
  assert.deepEqual(m.apps.map((a) => [a.id, a.variable, a.main]), [['factory:celery', 'celery', null]]);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.appId, s.settings.map((x) => x.name)]), [
    ['celery-ctor', 'factory:celery', ['broker_url']],
    // conf.update(flask_app.config): the Flask config's keys (none written here)
    ['flask-config', 'factory:celery', []],
  ]);
  assert.deepEqual(m.tasks.map((t) => [t.name, t.appVariable]), [['factory.work', 'celery']]);
});
