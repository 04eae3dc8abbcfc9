// Config sources as Celery resolves them (src/model/python/config-sources.ts): env-selected modules with
// several candidates, star-import chains, Flask config keys, and what becomes model.unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProject } from './helpers-python.js';

const read = readProject;

const loc = (file: string, line: number) => ({ file, line, column: 1 });

test('config_from_envvar: the code default and a Dockerfile ENV are two candidates, each read and named', async () => {
  const m = await read({
    'proj/__init__.py': '',
    'proj/settings_name.py': `
      CONFIG_VAR = 'WORKER_CONFIG'
    `,
    'proj/celery.py': `
      import os
      from celery import Celery
      from proj.settings_name import CONFIG_VAR
      os.environ.setdefault(CONFIG_VAR, 'proj.conf.dev')
      app = Celery('proj')
      app.config_from_envvar(CONFIG_VAR)
    `,
    'proj/conf/__init__.py': '',
    'proj/conf/base.py': `
      task_serializer = 'json'
      task_time_limit = 60
    `,
    'proj/conf/dev.py': `
      from proj.conf.base import *
      task_time_limit = 5
    `,
    'proj/conf/prod.py': `
      from .base import *
      try:
          from .local_overrides import *
      except ImportError:
          pass
      worker_concurrency = 8
    `,
  }, [{ key: 'WORKER_CONFIG', value: 'proj.conf.prod', file: 'Dockerfile', loc: loc('Dockerfile', 4), source: 'dockerfile' }]);
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.file, s.chosenBy, s.settings.map((a) => `${a.name}@${a.loc.file}:${a.loc.line}`)]), [
    ['config-module', 'proj/conf/dev.py', 'os.environ.setdefault in proj/celery.py:4', ['task_serializer@proj/conf/base.py:1', 'task_time_limit@proj/conf/dev.py:2']],
    ['config-module', 'proj/conf/prod.py', 'Dockerfile:4', ['task_serializer@proj/conf/base.py:1', 'task_time_limit@proj/conf/base.py:2', 'worker_concurrency@proj/conf/prod.py:6']],
  ]);
  assert.deepEqual(m.envAssignments.filter((e) => e.source === 'python').map((e) => [e.key, e.value, e.file, e.loc.line]), [['WORKER_CONFIG', 'proj.conf.dev', 'proj/celery.py', 4]]);
});

test('unread: external star import, names set at run time, a syntax error, a module that is not there', async () => {
  const m = await read({
    'celeryconfig.py': `
      from vendor.defaults import *
      import yaml
      vars().update(yaml.safe_load(open('/etc/worker.yml')))
      task_serializer = 'json'
    `,
    'app.py': `
      from celery import Celery
      app = Celery('app')
      app.config_from_object('celeryconfig')
      app.config_from_object('app_settings.production')
    `,
    'other.py': `
      from celery import Celery
      other = Celery('other')
      other.config_from_object('broken_conf')
    `,
    'broken_conf.py': `
      task_acks_late = True
      def (:
    `,
  });
  // (tree-sitter may report a syntax error from the start of the enclosing ERROR node: no line asserted for it)
  assert.deepEqual(m.unread.map((u) => [u.file, u.what.startsWith('config module') ? 0 : u.loc?.line, u.what, u.reason.split(' ').slice(0, 4).join(' '), u.appId]), [
    ['celeryconfig.py', 1, '`from vendor.defaults import *` in celeryconfig.py', 'a module not in', 'app:app'],
    ['celeryconfig.py', 3, 'names set at run time in celeryconfig.py (`vars().update(…)`)', 'the values come from', 'app:app'],
    ['app.py', 4, "config_from_object('app_settings.production')", "'app_settings.production' is not a", 'app:app'],
    ['broken_conf.py', 0, 'config module broken_conf.py', 'Python syntax error (near', 'other:other'],
  ]);
});

test('Flask: conf.update(flask_app.config["CELERY"]) reads the dict the project puts under that key', async () => {
  const m = await read({
    'config/__init__.py': '',
    'config/settings.py': `
      SECRET_KEY = ''
      CELERY_CONFIG = {'broker_url': 'redis://redis:6379/0', 'worker_concurrency': 2}
    `,
    'hello/__init__.py': '',
    'hello/app.py': `
      from celery import Celery
      from flask import Flask
      def create_app(settings_override=None):
          app = Flask(__name__)
          app.config.from_object('config.settings')
          if settings_override:
              app.config.update(settings_override)
          return app
      def make_celery(app):
          celery = Celery(app.import_name)
          celery.conf.update(app.config.get('CELERY_CONFIG', {}))
          return celery
      celery_app = make_celery(create_app())
    `,
  });
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.settings.map((a) => `${a.name}@${a.loc.file}:${a.loc.line}`)]), [
    ['conf-update', ['broker_url@config/settings.py:2', 'worker_concurrency@config/settings.py:2']],
  ]);
});

test('config_from_object(settings) with `from django.conf import settings`: the Django settings module, not unread', async () => {
  const m = await read({
    'proj/__init__.py': '',
    'proj/celery.py': `
      import os
      from celery import Celery
      from django.conf import settings
      os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')
      app = Celery('proj')
      app.config_from_object(settings, namespace='CELERY')
    `,
    'proj/settings.py': `
      CELERY_TASK_TIME_LIMIT = 60
    `,
  });
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.file, s.namespace, s.isDjangoConfSettings, s.settings.map((a) => a.name)]), [
    ['django-settings', 'proj/settings.py', 'CELERY', false, ['CELERY_TASK_TIME_LIMIT']],
  ]);
});

test('an optional star import (try/except ImportError or `with suppress(ImportError)`) of a module not shipped is not unread', async () => {
  const files = (guard: 'try' | 'suppress' | 'bare') => ({
    'proj/__init__.py': '',
    'proj/celery.py': `
      from celery import Celery
      app = Celery('proj')
      app.config_from_object('proj.settings')
    `,
    'proj/settings.py': {
      try: `
        task_time_limit = 60
        try:
            from proj.local_settings import *
        except ImportError:
            pass
      `,
      suppress: `
        from contextlib import suppress
        task_time_limit = 60
        with suppress(ImportError):
            from proj.local_settings import *
      `,
      bare: `
        task_time_limit = 60
        from proj.local_settings import *
      `,
    }[guard],
  });
  assert.deepEqual((await read(files('try'))).unread, []);
  assert.deepEqual((await read(files('suppress'))).unread, []);
  // the twin: an unguarded import of a module that is not there can hold any setting
  assert.deepEqual((await read(files('bare'))).unread.map((u) => u.what), ['`from proj.local_settings import *` in proj/settings.py']);
});

test('current_app configured by the project (no Celery() of its own) is the app; a config object chosen at run time among project classes is read candidate by candidate', async () => {
  const m = await read({
    'svc/__init__.py': '',
    'svc/config.py': `
      import os
      class Base:
          CELERY_BROKER_URL = 'redis://redis:6379/0'
      class Dev(Base):
          pass
      class Prod(Base):
          CELERY_TASK_TIME_LIMIT = 600
      def get_settings():
          table = {'dev': Dev, 'prod': Prod}
          cls = table[os.environ.get('ENV', 'dev')]
          return cls()
      settings = get_settings()
    `,
    'svc/worker.py': `
      from celery import current_app
      from svc.config import settings
      def make_worker():
          celery_app = current_app
          celery_app.config_from_object(settings, namespace='CELERY')
          return celery_app
    `,
  });
  assert.deepEqual(m.apps.map((a) => [a.id, a.loc.line, a.configSourceIds.length]), [['svc.worker:celery_app', 4, 2]]);
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.chosenBy, s.namespace, s.settings.map((a) => a.name)]), [
    ['config-object', "get_settings() → Dev ('dev')", 'CELERY', ['CELERY_BROKER_URL']],
    ['config-object', "get_settings() → Prod ('prod')", 'CELERY', ['CELERY_BROKER_URL', 'CELERY_TASK_TIME_LIMIT']],
  ]);
});

test('twin: a project that creates its own app keeps it; current_app is not a second app, and a runtime choice with an unknown member stays unread', async () => {
  const m = await read({
    'svc/__init__.py': '',
    'svc/config.py': `
      import os
      from vendor.settings import VendorConfig
      class Dev:
          CELERY_BROKER_URL = 'redis://redis:6379/0'
      CONFIGS = {'dev': Dev, 'vendor': VendorConfig}
    `,
    'svc/app.py': `
      import os
      from celery import Celery, current_app
      from svc.config import CONFIGS
      app = Celery('svc')
      def configure():
          celery_app = current_app
          celery_app.conf.update(task_acks_late=True)
      app.config_from_object(CONFIGS[os.environ['ENV']])
    `,
  });
  assert.deepEqual(m.apps.map((a) => a.id), ['svc.app:app']);
  assert.deepEqual(m.unread.map((u) => [u.what, u.appId]), [["config_from_object(CONFIGS[os.environ['ENV']])", 'svc.app:app']]);
});

test('an app bound to a subscript (`registry["celery.app"] = Celery(...)`) gets the conf.update made through the same subscript', async () => {
  const m = await read({
    'shop/__init__.py': '',
    'shop/tasks.py': `
      import celery
      def includeme(config):
          config.registry["celery.app"] = celery.Celery("shop", set_as_current=False)
          config.registry["celery.app"].conf.update(task_time_limit=30)
    `,
  });
  assert.deepEqual(m.apps.map((a) => [a.id, a.loc.line]), [['shop.tasks:config.registry["celery.app"]', 3]]);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.appId, s.settings.map((a) => a.name)]), [
    ['conf-update', 'shop.tasks:config.registry["celery.app"]', ['task_time_limit']],
  ]);
});
