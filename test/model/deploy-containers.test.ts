// Where a worker runs, read from the files that start it: a Procfile a container platform runs, supervisord
// configs a container starts (`supervisord -c`, or copied into conf.d by a start script), a project CLI that hands
// `celery worker` to Celery, a compose command that is one word for the image's `bash -c` ENTRYPOINT, and how the
// shell starts the worker (`exec`, inside a `-c` string). Each shape with its true negative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import type { ProjectModel } from '../../src/model/types.js';

const model = (files: Record<string, string>): Promise<ProjectModel> => buildProjectModel(writeProject(files, 'jobctl-containers-'));
const line = (m: ProjectModel): string[] =>
  m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.subcommand}${w.node ? `/${w.node}` : ''}${w.exec ? ' exec' : ''}${w.inShellString ? ' -c' : ''}${w.multi ? ' multi' : ''}${w.platform ? ` platform=${w.platform.file}` : ''} via=${(w.launchedBy ?? []).map((l) => `${l.source}:${l.file}:${l.loc.line}`).join(',')}`).sort();

const procfile = 'release: python manage.py migrate\nworker: celery -A proj worker -l info\n';

test('a Procfile next to a Cloud Foundry manifest, Copilot, Heroku or buildpack files runs in containers; alone it does not', async () => {
  assert.deepEqual(line(await model({ Procfile: procfile.replace(/^release.*\n/, ''), 'manifest.yml': 'applications:\n  - name: a\n' })), ['Procfile:1 worker platform=manifest.yml via=']);
  assert.deepEqual(line(await model({ Procfile: procfile.replace(/^release.*\n/, ''), '.copilot/config.yml': 'repository: x\n' })), ['Procfile:1 worker platform=.copilot/ via=']);
  assert.deepEqual(line(await model({ Procfile: procfile.replace(/^release.*\n/, ''), 'app.json': '{}' })), ['Procfile:1 worker platform=app.json via=']);
  assert.deepEqual(line(await model({ Procfile: procfile })), ['Procfile:2 worker platform=Procfile via='], 'a `release:` process is Heroku\'s');
  // twins: a manifest.yml of something else, a development Procfile, nothing next to it
  assert.deepEqual(line(await model({ Procfile: procfile.replace(/^release.*\n/, ''), 'manifest.yml': 'name: docs\nversion: 1\n' })), ['Procfile:1 worker via=']);
  assert.deepEqual(line(await model({ 'Procfile.dev': 'worker: celery -A proj worker\n', 'runtime.txt': 'python-3.12.1\n' })), ['Procfile.dev:1 worker via=']);
  assert.deepEqual(line(await model({ Procfile: 'worker: celery -A proj worker\n' })), ['Procfile:1 worker via=']);
});

test('supervisord started by a Dockerfile (through a wrapper) and configs a start script copies into conf.d are launched by the container', async () => {
  const m = await model({
    Dockerfile: 'FROM python:3.12\nWORKDIR /app\nCOPY . /app\nCMD ["bin/init-env", "supervisord", "-c", "conf/app.ini"]\n',
    'conf/app.ini': '[program:worker]\ncommand=newrelic-admin run-program projctl celery worker --loglevel=INFO\n',
    'conf/supervisord-dev.conf': '[program:worker]\ncommand=projctl celery worker --loglevel=DEBUG\n',
    'Dockerfile.media': 'FROM python:3.12\nWORKDIR /srv\nCOPY . /srv\nCMD ["./deploy/start.sh"]\n',
    'deploy/start.sh': '#!/bin/sh\nPRE=deploy/prestart.sh\n. $PRE\nexec supervisord -n\n',
    'deploy/prestart.sh': '#!/bin/sh\nif [ "$LONG" = yes ]; then\n  cp deploy/sv/long.conf /etc/supervisor/conf.d/long.conf\nfi\ncp deploy/nginx.conf /etc/nginx/nginx.conf\n',
    'deploy/sv/long.conf': '[program:long]\ncommand=celery multi start long1 -A proj -Q long\n',
    'deploy/nginx.conf': 'events {}\n',
  });
  assert.deepEqual(line(m), [
    'conf/app.ini:2 worker via=dockerfile:Dockerfile:4',
    'conf/supervisord-dev.conf:2 worker via=',
    'deploy/sv/long.conf:2 worker/long1 multi via=dockerfile:Dockerfile.media:4',
  ]);
});

test('a project CLI that hands `celery <sub-command>` on is a Celery command; words that merely mention celery are not', async () => {
  const m = await model({
    'supervisord.conf': '[program:a]\ncommand=hypothesis celery worker -c 2\n[program:b]\ncommand=python manage.py celery beat\n[program:c]\ncommand=pip install celery\n[program:d]\ncommand=echo celery worker\n[program:e]\ncommand=myctl celery inspect ping\n',
  });
  assert.deepEqual(m.workerCommands.map((w) => `${w.processName} ${w.argv.join(' ')}`), ['a celery worker -c 2', 'b celery beat']);
});

test('a compose command that compose splits into one word is the script of the image\'s `bash -c` ENTRYPOINT; block scalars are located at their text', async () => {
  const m = await model({
    'docker-compose.yml': 'services:\n  celery:\n    build: .\n    command: >\n      "celery -A proj worker -l info"\n  list:\n    build: .\n    command: ["celery -A proj beat"]\n',
    Dockerfile: 'FROM python:3.12\nENTRYPOINT ["/bin/bash", "-c"]\n',
  });
  assert.deepEqual(m.workerCommands.map((w) => `${w.loc.line} ${w.argv.join(' ')}`), ['5 celery -A proj worker -l info', '8 celery -A proj beat']);
});

test('how a script starts the worker: `exec`, inside a `-c` string, in the foreground', async () => {
  const m = await model({
    'a.sh': '#!/bin/bash\nexec celery -A proj worker\n',
    'b.sh': '#!/bin/bash\ncelery -A proj worker\n',
    'c.sh': '#!/bin/bash\nsh -c "sleep 1; celery -A proj worker"\n',
    'd.sh': '#!/bin/bash\nexec gosu app celery -A proj worker\n',
  });
  assert.deepEqual(line(m), ['a.sh:2 worker exec via=', 'b.sh:2 worker via=', 'c.sh:2 worker -c via=', 'd.sh:2 worker exec via=']);
});

test('`python manage.py <command>` is followed into the app\'s management command; one built at run time stays unread', async () => {
  const m = await model({
    'docker-compose.yml': 'services:\n  celeryworker:\n    build: .\n    command: python manage.py run_worker\n  celerydev:\n    build: .\n    command: python manage.py run_celery_dev\n  web:\n    build: .\n    command: python manage.py migrate\n',
    'manage.py': 'import sys\n',
    'shop/management/commands/run_worker.py': 'from django.core.management.base import BaseCommand\nfrom shop.celery import app\n\n\nclass Command(BaseCommand):\n    def handle(self, *args, **options):\n        app.worker_main(argv=["worker", "-l", "info", "-Q", "orders"])\n',
    'shop/management/commands/run_celery_dev.py': 'import shlex\nimport subprocess\nQUEUES = "a,b"\nCMD = f"celery -A shop worker -Q {QUEUES}"\n\n\ndef restart():\n    subprocess.call(shlex.split(CMD))\n',
  });
  assert.deepEqual(line(m), ['shop/management/commands/run_worker.py:7 worker via=compose:docker-compose.yml:4']);
  assert.deepEqual(m.workerCommands[0]!.queues, ['orders']);
  assert.deepEqual(m.unread.map((u) => `${u.loc?.line} ${u.what}`), ['7 the worker of celerydev (`manage.py run_celery_dev`)']);
});

test('supervisord without -c reads the config a Dockerfile COPYs to /etc/supervisord.conf or into /etc/supervisor/conf.d/', async () => {
  const m = await model({
    Dockerfile: 'FROM python:3.12\nCOPY deploy/celery.conf /etc/supervisor/conf.d/\nCOPY . /app\nCMD ["/usr/bin/supervisord", "-n"]\n',
    'deploy/celery.conf': '[program:celery]\ncommand=celery -A proj worker\n',
    'other/supervisor/celery.conf': '[program:celery]\ncommand=celery -A proj worker -c 2\n',
  });
  assert.deepEqual(line(m), ['deploy/celery.conf:2 worker via=dockerfile:Dockerfile:4', 'other/supervisor/celery.conf:2 worker via=']);
});

test('supervisord `[include] files=` brings the included programs under what runs the including config', async () => {
  const m = await model({
    Dockerfile: 'FROM python:3.12\nCOPY deploy/sv/supervisord.conf /etc/supervisor/supervisord.conf\nCOPY deploy/sv/worker.conf /etc/supervisor/conf.d/\nCMD ["supervisord", "-c", "/etc/supervisor/supervisord.conf"]\n',
    'deploy/sv/supervisord.conf': '[supervisord]\nnodaemon=true\n\n[include]\nfiles = /etc/supervisor/conf.d/*.conf\n',
    'deploy/sv/worker.conf': '[program:worker]\ncommand=celery -A proj worker\n',
    'local/supervisord.conf': '[include]\nfiles = programs/*.ini\n',
    'local/programs/beat.ini': '[program:beat]\ncommand=celery -A proj beat\n',
    'local/programs/notes.txt': '[program:x]\ncommand=celery -A proj worker\n',
  });
  assert.deepEqual(line(m), ['deploy/sv/worker.conf:2 worker via=dockerfile:Dockerfile:4', 'local/programs/beat.ini:2 beat via=other:local/supervisord.conf:2']);
});
