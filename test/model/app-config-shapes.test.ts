// Shapes of real projects' apps and config that the reader follows: a dict under a Flask config key read entry by
// entry, a celery.Celery subclass used as the app (same module, imported, and an app kept in a registry mapping),
// and DJANGO_SETTINGS_MODULE as the test runner sets it (pytest.ini, setup.cfg, pyproject, tox.ini): used to find
// the settings package, never read as the worker's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { py, readProject } from './helpers-python.js';
import { buildProjectModel } from '../../src/model/index.js';
import { pytestConfigIntegration } from '../../src/model/integrations/pytest-config.js';
import type { EnvAssignment } from '../../src/model/types.js';
import { removeDir, writeProject } from '../support/fixtures.js';

const read = readProject;

const pytestEnv = (value: string, file = 'pytest.ini', line = 2): EnvAssignment => ({ key: 'DJANGO_SETTINGS_MODULE', value, file, loc: { file, line, column: 1 }, source: 'pytest' });

test('Flask: a dict under a config key reaches conf.update entry by entry, each at its own line', async () => {
  const m = await readProject({
    'config/__init__.py': '',
    'config/settings.py': `
      import os
      SECRET_KEY = os.environ['SECRET_KEY']
      CELERY_CONFIG = {
          'worker_log_level': os.getenv('LOG_LEVEL', 'info'),
          'broker_url': 'redis://redis:6379/0',
      }
    `,
    'hello/__init__.py': '',
    'hello/app.py': `
      from celery import Celery
      from flask import Flask
      def create_app():
          app = Flask(__name__)
          app.config.from_object('config.settings')
          return app
      def create_celery_app(app=None):
          app = app or create_app()
          celery = Celery(app.import_name)
          celery.conf.update(app.config.get('CELERY_CONFIG', {}))
          return celery
    `,
  });
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.appId, s.settings.map((a) => `${a.name}@${a.keyLoc.file}:${a.keyLoc.line}`)]), [
    ['conf-update', 'hello.app:celery', ['worker_log_level@config/settings.py:4', 'broker_url@config/settings.py:5']],
  ]);
});

test('Flask docs pattern: config_from_object(app.config["CELERY"]) reads the dict from_mapping put there, as the object Celery loads', async () => {
  const m = await readProject({
    'board/__init__.py': '',
    'board/app.py': `
      from celery import Celery
      from flask import Flask
      def create_app():
          app = Flask(__name__)
          app.config.from_mapping(
              SECRET_KEY='',
              CELERY=dict(
                  broker_url='redis://localhost',
                  task_ignore_result=True,
              ),
          )
          celery_app = Celery(app.name)
          celery_app.config_from_object(app.config["CELERY"], namespace=None)
          return app
    `,
  });
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.appId, s.objectRef, s.settings.map((a) => `${a.name}@${a.keyLoc.line}`)]), [
    ['config-object', 'board.app:celery_app', 'app.config["CELERY"]', ['broker_url@8', 'task_ignore_result@9']],
  ]);
});

test('a celery.Celery subclass is an app: defined in the same module, imported from another, or two levels deep', async () => {
  const m = await readProject({
    'proj/__init__.py': '',
    'proj/base.py': `
      import celery
      class SentryCelery(celery.Celery):
          def on_configure(self):
              self.conf.update(task_reject_on_worker_lost=True)
      class ProjCelery(SentryCelery):
          pass
      class Unused(celery.Celery):
          def __init__(self, *args, **kwargs):
              super().__init__(*args, **kwargs)
              self.config_from_object('proj.unused')
    `,
    'proj/worker.py': `
      from proj.base import ProjCelery
      app = ProjCelery('proj')
      app.config_from_object('proj.conf')
      @app.task
      def refresh():
          return 1
    `,
    'proj/conf.py': `
      task_time_limit = 60
    `,
    'other/__init__.py': '',
    'other/app.py': `
      from celery import Celery, Task
      class Local(Celery):
          pass
      class NotAnApp(Task):
          pass
      local = Local('other')
      local.conf.update(task_acks_late=True)
      job = NotAnApp()
    `,
  });
  assert.deepEqual(m.apps.map((a) => a.id), ['other.app:local', 'proj.worker:app']);
  // `self` in the subclass's methods is the app made from it (or from a subclass); a class nothing instantiates has no app
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.file, s.appId, s.settings.map((a) => a.name)]), [
    ['conf-update', 'other/app.py', 'other.app:local', ['task_acks_late']],
    ['conf-update', 'proj/base.py', 'proj.worker:app', ['task_reject_on_worker_lost']],
    ['config-module', 'proj/conf.py', 'proj.worker:app', ['task_time_limit']],
  ]);
  assert.deepEqual(m.unread.map((u) => [u.what, u.appId ?? null]), [["config_from_object('proj.unused')", null]]);
  assert.deepEqual(m.tasks.map((t) => [t.name, t.appVariable]), [['proj.worker.refresh', 'app']]);
});

test('an app kept in a registry mapping (`registry["celery.app"] = Celery(…)`) owns the conf.update made through the same expression', async () => {
  const m = await readProject({
    'shop/__init__.py': '',
    'shop/tasks.py': `
      import celery
      def includeme(config):
          config.registry["celery.app"] = celery.Celery("shop", autofinalize=False)
          config.registry["celery.app"].conf.update(
              task_serializer="json",
              task_queue_ha_policy="all",
          )
    `,
  });
  assert.deepEqual(m.apps.map((a) => [a.id, a.loc.line]), [['shop.tasks:config.registry["celery.app"]', 3]]);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.appId, s.settings.map((a) => a.name)]), [
    ['conf-update', 'shop.tasks:config.registry["celery.app"]', ['task_serializer', 'task_queue_ha_policy']],
  ]);
});

test('pytest config: DJANGO_SETTINGS_MODULE from pytest.ini, tox.ini, setup.cfg [tool:pytest], pyproject (ini option and pytest-env), only in pytest sections', async () => {
  const dir = writeProject({
    'pytest.ini': '[pytest]\nDJANGO_SETTINGS_MODULE = a.settings.test\naddopts = -q\n',
    'tox.ini': '[tox]\nenvlist = py311\n[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE = b.settings_test\n[flake8]\nDJANGO_SETTINGS_MODULE = not.read\n',
    'setup.cfg': '[metadata]\nname = x\n[tool:pytest]\nDJANGO_SETTINGS_MODULE=c.tests.settings\n',
    'pyproject.toml': '[project]\nname = "x"\n[tool.pytest.ini_options]\nenv = [\n    "D:DJANGO_SETTINGS_MODULE=d.settings.testing",\n    "OTHER=1",\n]\n[tool.other]\nDJANGO_SETTINGS_MODULE = "not.read"\n',
  }, 'jobctl-pytest-');
  try {
    const m = await buildProjectModel(dir);
    assert.deepEqual(m.envAssignments.filter((e) => e.source === 'pytest').map((e) => `${e.file}:${e.loc.line} ${e.value}`).sort(), [
      'pyproject.toml:5 d.settings.testing',
      'pytest.ini:2 a.settings.test',
      'setup.cfg:4 c.tests.settings',
      'tox.ini:5 b.settings_test',
    ]);
    // the files keep the kind their dependency readers give them
    assert.deepEqual(m.files.filter((f) => ['setup.cfg', 'pyproject.toml'].includes(f.file)).map((f) => f.kind).sort(), ['pyproject', 'setup']);
  } finally {
    removeDir(dir);
  }
  assert.deepEqual(pytestConfigIntegration.matches('sub/pytest.ini'), true);
});

const djangoApp = `
  from celery import Celery
  app = Celery('shop')
  app.config_from_object('django.conf:settings', namespace='CELERY')
`;

test('Django: with only the test runner naming a test module, its package\'s production module is read, never the test module', async () => {
  const m = await read({
    'shop/__init__.py': '',
    'shop/celery.py': djangoApp,
    'shop/conf/__init__.py': '',
    'shop/conf/base.py': `
      CELERY_TASK_TIME_LIMIT = 300
    `,
    'shop/conf/production.py': `
      from .base import *
      CELERY_TASK_ACKS_LATE = True
    `,
    'shop/conf/local.py': `
      from .base import *
      CELERY_TASK_ALWAYS_EAGER = True
    `,
    'shop/conf/test.py': `
      from .base import *
      CELERY_TASK_ALWAYS_EAGER = True
    `,
  }, [pytestEnv('shop.conf.test')]);
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.file, s.chosenBy, s.settings.map((a) => `${a.name}@${a.keyLoc.file}`)]), [
    ['django-settings', 'shop/conf/production.py', 'the package of shop.conf.test (pytest.ini:2, the test settings)', ['CELERY_TASK_TIME_LIMIT@shop/conf/base.py', 'CELERY_TASK_ACKS_LATE@shop/conf/production.py']],
  ]);
});

test('Django: no production module beside the test module: its base, else what the test module star-imports', async () => {
  const base = await read({
    'shop/__init__.py': '',
    'shop/celery.py': djangoApp,
    'shop/conf/__init__.py': '',
    'shop/conf/common.py': 'CELERY_TASK_TIME_LIMIT = 300\n',
    'shop/conf/testing.py': 'from .common import *\nCELERY_TASK_ALWAYS_EAGER = True\n',
  }, [pytestEnv('shop.conf.testing')]);
  assert.deepEqual(base.configSources.map((s) => s.file), ['shop/conf/common.py']);
  const star = await read({
    'shop/__init__.py': '',
    'shop/celery.py': djangoApp,
    'shop/conf/__init__.py': '',
    'shop/conf/web.py': 'CELERY_TASK_TIME_LIMIT = 300\n',
    'shop/conf/test.py': 'from shop.conf.web import *\nCELERY_TASK_ALWAYS_EAGER = True\n',
  }, [pytestEnv('shop.conf.test')]);
  assert.deepEqual(star.configSources.map((s) => s.file), ['shop/conf/web.py']);
});

test('Django: the tests run with the real settings module (not a test module): it is read; a tests/ settings module says nothing', async () => {
  const same = await read({
    'shop/__init__.py': '',
    'shop/celery.py': djangoApp,
    'shop/settings.py': 'CELERY_TASK_TIME_LIMIT = 300\n',
  }, [pytestEnv('shop.settings')]);
  assert.deepEqual(same.configSources.map((s) => [s.file, s.chosenBy]), [['shop/settings.py', 'pytest.ini:2, the settings the tests run with (nothing else names one)']]);
  const testsOnly = await read({
    'shop/__init__.py': '',
    'shop/celery.py': djangoApp,
    'tests/__init__.py': '',
    'tests/settings.py': 'CELERY_TASK_ALWAYS_EAGER = True\n',
  }, [pytestEnv('tests.settings')]);
  // no production module is named anywhere: what the project's settings files say is read by name (tests/settings.py
  // included, as before), and test code stays out of the production rules (isTestFile)
  assert.deepEqual(testsOnly.configSources.map((s) => [s.file, s.chosenBy ?? null]), [['tests/settings.py', null]]);
  // a production value from the code wins over the test runner's
  const both = await read({
    'shop/__init__.py': '',
    'shop/celery.py': `import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.conf.production')\n${py(djangoApp)}`,
    'shop/conf/__init__.py': '',
    'shop/conf/production.py': 'CELERY_TASK_TIME_LIMIT = 300\n',
    'shop/conf/staging.py': 'CELERY_TASK_TIME_LIMIT = 30\n',
    'shop/conf/test.py': 'CELERY_TASK_ALWAYS_EAGER = True\n',
  }, [pytestEnv('shop.conf.test')]);
  assert.deepEqual(both.configSources.map((s) => s.file), ['shop/conf/production.py']);
});

test('a Flask key looked up in a config jobctl could not read is one unread entry (the config part), not two', async () => {
  const m = await readProject({
    'notify/__init__.py': '',
    'notify/app.py': `
      import os
      from celery import Celery
      from notify.config import configs
      class NotifyCelery(Celery):
          def init_app(self, app):
              self.config_from_object(app.config["CELERY"])
      notify_celery = NotifyCelery()
      def create_app(application):
          application.config.from_object(configs[os.environ["NOTIFY_ENVIRONMENT"]])
          notify_celery.init_app(application)
    `,
    'notify/config.py': `
      from notify.plugins import PLUGIN_CONFIGS
      class Config:
          CELERY = {'task_time_limit': 60}
      # a mapping spread from elsewhere: not a finite set the code spells out (a plain dict of classes is read, below)
      configs = {**PLUGIN_CONFIGS, 'production': Config}
    `,
  });
  assert.deepEqual(m.apps.map((a) => a.id), ['notify.app:notify_celery']);
  assert.deepEqual(m.unread.map((u) => [u.file, u.loc?.line, u.what, u.appId]), [
    ['notify/app.py', 9, 'Flask config loaded by application.config.from_object(configs[os.environ["NOTIFY_ENVIRONMENT"]])', 'notify.app:notify_celery'],
  ]);
});

test('a settings dict merged from a base dict (`{**BASE, …}`) has the base entries; a base jobctl cannot find is unread, not empty', async () => {
  const m = await readProject({
    'proj/__init__.py': '',
    'proj/conf.py': `
      BASE = {'task_time_limit': 60, 'task_acks_late': True}
      WORKER = {**BASE, 'task_acks_late': False}
      class Config:
          CELERY = {'task_time_limit': 30}
      OTHER = {**Config.CELERY, 'worker_concurrency': 2}
    `,
    'proj/celery.py': `
      from celery import Celery
      from proj.conf import WORKER, OTHER
      app = Celery('proj')
      app.conf.update(WORKER)
      other = Celery('other')
      other.conf.update(dict(**OTHER))
    `,
  });
  assert.deepEqual(m.configSources.map((s) => [s.appId, s.settings.map((a) => `${a.name}@${a.keyLoc.line}`)]), [
    ['proj.celery:app', ['task_time_limit@1', 'task_acks_late@1', 'task_acks_late@2']],
    ['proj.celery:other', ['worker_concurrency@5']],
  ]);
  assert.deepEqual(m.unread.map((u) => [u.file, u.loc?.line, u.what]), [['proj/conf.py', 5, 'settings merged in with `**Config.CELERY`']]);
});

test('Flask from_object(config_module) chosen by an env var with a default in the code; config_from_object of a class under a Flask key', async () => {
  const m = await readProject({
    'dash/__init__.py': '',
    'dash/config.py': `
      class CeleryConfig:
          broker_url = 'redis://localhost:6379/0'
          task_acks_late = True
      CELERY_CONFIG = CeleryConfig
      SECRET_KEY = ''
    `,
    'dash/app.py': `
      import os
      from typing import Optional
      from celery import Celery
      from flask import Flask
      celery_app = Celery()
      def create_app(config_module_override: Optional[str] = None) -> Flask:
          app = Flask(__name__)
          config_module = config_module_override or os.environ.get('DASH_CONFIG', 'dash.config')
          app.config.from_object(config_module)
          celery_app.config_from_object(app.config['CELERY_CONFIG'])
          return app
    `,
  });
  assert.deepEqual(m.unread, []);
  assert.deepEqual(m.configSources.map((s) => [s.kind, s.file, s.appId, s.settings.map((a) => a.name)]), [
    ['config-object', 'dash/config.py', 'dash.app:celery_app', ['broker_url', 'task_acks_late']],
  ]);
  // a value the deploy files give the variable is read too; one naming no project module is unread
  const env = await readProject({
    'dash/__init__.py': '',
    'dash/config.py': 'CELERY_CONFIG = {"task_acks_late": True}\n',
    'dash/app.py': `
      import os
      from celery import Celery
      from flask import Flask
      celery_app = Celery()
      app = Flask(__name__)
      app.config.from_object(os.environ.get('DASH_CONFIG', 'dash.config'))
      celery_app.conf.update(app.config['CELERY_CONFIG'])
    `,
  }, [{ key: 'DASH_CONFIG', value: 'deploy_config', file: 'Dockerfile', loc: { file: 'Dockerfile', line: 3, column: 1 }, source: 'dockerfile' }]);
  assert.deepEqual(env.unread.map((u) => [u.file, u.loc?.line, u.reason]), [['dash/app.py', 6, "the module Dockerfile:3 names, 'deploy_config', is not in the project"]]);
});

test('Flask from_object(configs[env]) with a dict of project classes: each candidate is read, the test configuration is not', async () => {
  const m = await readProject({
    'notify/__init__.py': '',
    'notify/app.py': `
      import os
      from celery import Celery
      from notify.config import configs
      notify_celery = Celery("notify")
      def create_app(application):
          application.config.from_object(configs[os.environ["NOTIFY_ENVIRONMENT"]])
          notify_celery.config_from_object(application.config["CELERY"])
    `,
    'notify/config.py': `
      class Config:
          CELERY = {'task_time_limit': 60}
      class Production(Config):
          DEBUG = False
      class Test(Config):
          CELERY = {'task_always_eager': True}
      configs = {'production': Production, 'test': Test}
    `,
  });
  assert.deepEqual(m.unread, []);
  const celery = m.configSources.filter((s) => s.appId === 'notify.app:notify_celery' && s.kind === 'config-object').flatMap((s) => s.settings);
  assert.deepEqual(celery.map((s) => [s.name, s.value, s.keyLoc.file, s.keyLoc.line]), [['task_time_limit', { kind: 'num', value: 60 }, 'notify/config.py', 2]]);
});
