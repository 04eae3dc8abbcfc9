// Shapes from real projects where jobctl reported what a maintainer would dismiss (issue 11/12 desk corpus):
// a vendored bundle over the size limit, one JC001 per unrelated star import, a Flask key merged with itself,
// the Celery 5 CLI order on a project not known to run Celery 5, a setting the project hands to Celery itself,
// a lower-case old name, and a project class that happens to be called `Celery`. Each case has its twin: the one
// difference that makes the finding right. Findings are asserted exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/engine/audit.js';
import { buildProjectModel } from '../../src/model/index.js';
import { removeDir, writeProject } from '../support/fixtures.js';

async function findings(files: Record<string, string>, select: string[], target?: string): Promise<string[]> {
  const dir = writeProject(files);
  try {
    const r = await runAudit(dir, { select, ...(target ? { target } : {}) });
    return r.findings.map((f) => `${f.location.file}:${f.location.line} ${f.ruleId} ${f.message}`).sort();
  } finally {
    removeDir(dir);
  }
}
const places = (list: string[]): string[] => list.map((l) => l.split(' ').slice(0, 2).join(' '));

const app = {
  'requirements.txt': 'celery[redis]==5.6.2\n',
  'proj/__init__.py': '',
  'proj/celery.py': "from celery import Celery\n\napp = Celery('proj', broker='redis://redis:6379/0')\n",
  'proj/tasks.py': 'from proj.celery import app\n\n\n@app.task\ndef add(x, y):\n    return x + y\n',
};
const pad = (head: string): string => `${head}\n/*${'x'.repeat(2 * 1024 * 1024 + 10)}*/\n`;

test('a vendored JavaScript bundle over 2 MiB that uses no job client is no JC001 and leaves the app\'s facts known', async () => {
  const got = await findings({ ...app, 'static/video-js.js': pad('(function(){ window.videojs = {}; })();') }, ['JC001', 'JC605']);
  assert.deepEqual(places(got), ['proj/celery.py:3 JC605']);
});

test('twin: a 2 MiB JavaScript file that imports a job client (BullMQ) may hold producers: JC001 names it', async () => {
  const got = await findings({ ...app, 'web/queue.js': pad("const { Queue } = require('bullmq');") }, ['JC001', 'JC605']);
  assert.deepEqual(places(got), ['proj/celery.py:3 JC605', 'web/queue.js:1 JC001']);
});

test('recorded test data over 2 MiB (a cassette under tests/) is no JC001', async () => {
  assert.deepEqual(places(await findings({ ...app, 'proj/tests/cassettes/big.yaml': `# recorded\n${'x'.repeat(2 * 1024 * 1024 + 10)}\n` }, ['JC001'])), []);
});

const django = (settings: string): Record<string, string> => ({
  'requirements.txt': 'celery[redis]==5.6.2\ndjango==5.2.1\n',
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n",
  'site_cfg/__init__.py': '',
  'site_cfg/celery.py': "import os\nfrom celery import Celery\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\napp = Celery('site_cfg')\napp.config_from_object('django.conf:settings', namespace='CELERY')\napp.autodiscover_tasks()\n",
  'site_cfg/settings.py': settings,
  'shop/__init__.py': '',
  'shop/tasks.py': 'from celery import shared_task\n\n\n@shared_task\ndef ship(order_id):\n    return order_id\n',
});

test('star imports of installed settings packages: one JC001 per settings module, at the one that names Celery, listing the rest', async () => {
  const got = await findings(django([
    'from pathlib import *',
    'from resonant_settings.allauth import *',
    'from resonant_settings.celery import *',
    'from resonant_settings.logging import *',
    "CELERY_BROKER_URL = 'redis://redis:6379/0'",
    '',
  ].join('\n')), ['JC001', 'JC605']);
  assert.equal(got.length, 1, got.join('\n'));
  assert.match(got[0]!, /^site_cfg\/settings\.py:3 JC001 `from resonant_settings\.celery import \*` in site_cfg\/settings\.py \(and 2 more star imports of modules not in the project: resonant_settings\.allauth, resonant_settings\.logging\)/);
});

test('twin: star imports of the standard library and Django only: nothing unread, so the missing time limit is reported', async () => {
  const got = await findings(django(['from pathlib import *', 'from django.conf.global_settings import *', "CELERY_BROKER_URL = 'redis://redis:6379/0'", ''].join('\n')), ['JC001', 'JC605']);
  assert.deepEqual(places(got), ['site_cfg/celery.py:5 JC605']);
});

const flask = (merge: string): Record<string, string> => ({
  'requirements.txt': 'celery[redis]==5.6.2\nflask==3.0.3\n',
  'forum/__init__.py': '',
  'forum/config.py': "class DefaultConfig:\n    CELERY_CONFIG = {\n        'broker_url': 'redis://localhost:6379',\n        'task_time_limit': 300,\n    }\n",
  'forum/extensions.py': "from celery import Celery\n\ncelery = Celery('forum')\n",
  'forum/app.py': `import json
import os

from flask import Flask

from forum.extensions import celery


def create_app():
    app = Flask('forum')
    app.config.from_object('forum.config.DefaultConfig')
${merge}
    celery.conf.update(app.config.get('CELERY_CONFIG'))
    return app
`,
  'forum/tasks.py': 'from forum.extensions import celery\n\n\n@celery.task\ndef notify(user_id):\n    return user_id\n',
});

test('a Flask key written back with its own value merged in is read from its known value: no extra JC001', async () => {
  const merge = "    merged = app.config.get('CELERY_CONFIG')\n    merged.update({'task_acks_late': True})\n    app.config.update({'CELERY_CONFIG': merged})";
  assert.deepEqual(places(await findings(flask(merge), ['JC001'])), []);
});

test('twin: the key is replaced by a value read from the environment at run time: JC001 at the conf.update', async () => {
  const merge = "    app.config.update({'CELERY_CONFIG': json.loads(os.environ['CELERY_JSON'])})";
  assert.deepEqual(places(await findings(flask(merge), ['JC001'])), ['forum/app.py:13 JC001']);
});

const cli = (req: string): Record<string, string> => ({ ...app, 'requirements.txt': req, Procfile: 'worker: celery worker -A proj.celery --loglevel=info\n' });

test('JC401: a range that allows Celery 3.x/4.x (celery>=3.1.0) is not known to run the Click CLI: silent', async () => {
  assert.deepEqual(await findings(cli('celery>=3.1.0\n'), ['JC401']), []);
});

test('twin: JC401 on a range that allows only 5.x, and as upgrade advice on a 4.x pin with --target 5.6.2', async () => {
  assert.deepEqual(places(await findings(cli('celery[redis]>=5.3,<6\n'), ['JC401'])), ['Procfile:1 JC401']);
  const upgrade = await findings(cli('celery[redis]==4.4.7\n'), ['JC401'], '5.6.2');
  assert.equal(upgrade.length, 1, upgrade.join('\n'));
  assert.match(upgrade[0]!, /^Procfile:1 JC401 `-A proj\.celery` comes after `celery worker`: Celery 4\.4\.7 accepts it, but on the upgrade to Celery 5\.6\.2 Celery exits with "No such option"/);
  assert.deepEqual(await findings(cli('celery[redis]==4.4.7\n'), ['JC401']), []);
});

// mediacms shape: no namespace, CELERY_BEAT_SCHEDULE (not a name Celery reads; near CELERYBEAT_SCHEDULE) and the
// docs-table-only CELERY_TASK_ALWAYS_EAGER; tamato shape: namespace='CELERY' and the old CELERY_ROUTES
const applied = (namespace: boolean, celeryPy: string, sibling = ''): Record<string, string> => ({
  ...django(namespace
    ? "CELERY_BROKER_URL = 'redis://redis:6379/0'\nCELERY_ROUTES = {'shop.tasks.ship': {'queue': 'slow'}}\n"
    : "BROKER_URL = 'redis://redis:6379/0'\nCELERY_BEAT_SCHEDULE = {}\nCELERY_TASK_ALWAYS_EAGER = False\n"),
  'site_cfg/celery.py': `import os
from celery import Celery
from django.conf import settings

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')
app = Celery('site_cfg')
app.config_from_object('django.conf:settings'${namespace ? ", namespace='CELERY'" : ''})
${celeryPy}`,
  ...(sibling ? { 'site_cfg/settings_local.py': sibling } : {}),
});

test('settings the project hands to Celery itself (app.conf.beat_schedule = app.conf.CELERY_BEAT_SCHEDULE) are not ignored ones', async () => {
  assert.deepEqual(await findings(applied(false, 'app.conf.beat_schedule = app.conf.CELERY_BEAT_SCHEDULE\napp.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER\n'), ['JC103', 'JC104']), []);
  assert.deepEqual(await findings(applied(true, 'app.conf.task_routes = settings.CELERY_ROUTES\n'), ['JC103', 'JC104']), []);
});

test('twin: not handed over (a sibling settings module assigning the same names reads nothing): JC104 and JC103 report them', async () => {
  const sibling = 'CELERY_BEAT_SCHEDULE = {}\nCELERY_TASK_ALWAYS_EAGER = True\nCELERY_ROUTES = {}\n';
  assert.deepEqual(places(await findings(applied(false, '', sibling), ['JC103', 'JC104'])), ['site_cfg/settings.py:2 JC104', 'site_cfg/settings.py:3 JC104']);
  assert.deepEqual(places(await findings(applied(true, '', sibling), ['JC103', 'JC104'])), ['site_cfg/settings.py:2 JC103']);
});

const lowerConf = (line: string): Record<string, string> => ({
  'requirements.txt': 'celery[redis]==5.5.3\n',
  'proj/__init__.py': '',
  'proj/celeryconfig.py': `broker_url = 'redis://redis:6379/0'\nqueue_prefix = 'jobs'\n${line}\n`,
  'proj/celery.py': "from celery import Celery\n\napp = Celery('proj')\napp.config_from_object('proj.celeryconfig')\n",
});

test('a lower-case old name in a config module (celeryd_concurrency) is ignored by Celery: JC104 says so', async () => {
  const got = await findings(lowerConf('celeryd_concurrency = 1'), ['JC104']);
  assert.equal(got.length, 1, got.join('\n'));
  assert.match(got[0]!, /^proj\/celeryconfig\.py:3 JC104 `celeryd_concurrency` is an old-style name in lower case: Celery matches old names only in upper case \(`CELERYD_CONCURRENCY`\), so it is silently ignored and `worker_concurrency` keeps its default/);
});

test('twin: the new name (worker_concurrency), next to a helper variable of the module: no JC104', async () => {
  assert.deepEqual(await findings(lowerConf('worker_concurrency = 1'), ['JC104']), []);
});

const runner = (imp: string): Record<string, string> => ({
  'requirements.txt': 'celery[redis]==5.6.2\n',
  'dds/__init__.py': '',
  'dds/services/__init__.py': '',
  'dds/services/celery.py': 'import subprocess\n\n\nclass Celery:\n    """Starts and stops the worker process."""\n\n    def start(self):\n        return subprocess.Popen(["celery", "-A", "dds.task:app", "worker", "-c", "1"])\n',
  'dds/services/manager.py': `${imp}\n\n\nclass Manager:\n    def __init__(self):\n        self.celery = Celery()\n`,
  'dds/task.py': "from celery import Celery\n\napp = Celery('dds', broker='redis://redis:6379/0')\n\n\n@app.task\ndef ping():\n    return 'pong'\n",
});

test('a project class named Celery (a process manager) is not a Celery app', async () => {
  const dir = writeProject(runner('from dds.services.celery import Celery'));
  try {
    const model = await buildProjectModel(dir);
    assert.deepEqual(model.apps.map((a) => `${a.loc.file}:${a.loc.line}`), ['dds/task.py:3']);
  } finally {
    removeDir(dir);
  }
});

test('twin: celery.Celery built in the same place is an app', async () => {
  const dir = writeProject(runner('from celery import Celery'));
  try {
    const model = await buildProjectModel(dir);
    assert.deepEqual(model.apps.map((a) => `${a.loc.file}:${a.loc.line}`).sort(), ['dds/services/manager.py:6', 'dds/task.py:3']);
  } finally {
    removeDir(dir);
  }
});

const withKeys = (template: string): Record<string, string> => ({
  ...django("from keys import *\nCELERY_BROKER_URL = 'redis://redis:6379/0'\n"),
  '.gitignore': 'keys.py\n',
  'keys.py.template': template,
});

test('a star-imported module kept out of the repository whose committed sample holds only credentials is no unread config source', async () => {
  const got = await findings(withKeys("db_password = 'changeme'\nredis_password = 'changeme'\napi_key = 'DEMO_KEY'\n"), ['JC001', 'JC605']);
  assert.deepEqual(places(got), ['site_cfg/celery.py:5 JC605']);
});

test('twin: the sample defines a Celery setting (CELERY_TASK_TIME_LIMIT): the import stays unread and JC605 stays silent', async () => {
  const got = await findings(withKeys("db_password = 'changeme'\nCELERY_TASK_TIME_LIMIT = 600\n"), ['JC001', 'JC605']);
  assert.deepEqual(places(got), ['site_cfg/settings.py:1 JC001']);
});
