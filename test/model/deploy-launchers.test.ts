// How real deploys start workers beyond a plain `celery … worker` line: a `watchfiles` reloader given the
// command as its target, a Python module the compose command runs that starts Celery as a child process,
// `celery multi start` (one worker per node), and a variable that stands for whole options ($CELERYD_OPTS).
// Each with its true-negative twin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import { parseCeleryInvocations } from '../../src/model/integrations/celery-command.js';
import type { ProjectModel, WorkerCommand } from '../../src/model/types.js';

const ctx = { source: 'shell' as const, file: 'start', loc: { file: 'start', line: 1, column: 1 } };
const brief = (w: WorkerCommand): string => `${w.subcommand}${w.node ? `[${w.node}]` : ''} ${w.argv.slice(1).join(' ')}`;
const workers = (m: ProjectModel): string[] =>
  m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.subcommand} ${w.processName ?? '-'} c=${w.concurrency} via=${(w.launchedBy ?? []).map((l) => `${l.file}:${l.loc.line}`).join(',')}`).sort();

test('watchfiles runs its target: a dotted function with --args, or a command string it shell-splits', () => {
  assert.deepEqual(parseCeleryInvocations("watchfiles --filter python 'celery -A main.celery worker --loglevel=info -Q high,default'", ctx).map(brief), [
    'worker -A main.celery worker --loglevel=info -Q high,default',
  ]);
  assert.deepEqual(parseCeleryInvocations("watchfiles --filter python celery.__main__.main --args '-A config.celery_app worker -l INFO'", ctx).map(brief), [
    'worker -A config.celery_app worker -l INFO',
  ]);
  // twin: the target is another program, or a function; a path to watch that names celery is not a command
  assert.deepEqual(parseCeleryInvocations("watchfiles --filter python 'uvicorn main:app' ./celery", ctx), []);
  assert.deepEqual(parseCeleryInvocations('watchfiles app.main.run ./celery_app', ctx), []);
});

test('celery multi start: one worker per node, options for all and per node (name, index, list, range)', () => {
  const nodes = (line: string): string[] => parseCeleryInvocations(line, ctx).map(brief);
  assert.deepEqual(nodes('celery multi start w1 w2 -A proj -l INFO -c 4 -c:w2 8 -Q:w1 default --pidfile=/run/%n.pid'), [
    'worker[w1] -A proj worker -n w1 -l INFO -c 4 --pidfile=/run/%n.pid -Q default',
    'worker[w2] -A proj worker -n w2 -l INFO -c 8 --pidfile=/run/%n.pid',
  ]);
  // (a per-node option the others lack comes last, as multi's OrderedDict merge puts it)
  // a count names the nodes celery1..N; `-c:1-2` is a range of them, `-Q:3` the third
  assert.deepEqual(nodes('celery -A proj multi start 3 -Q:1-2 fast -c:3 1 -- broker.pool_limit=10'), [
    'worker[celery1] -A proj worker -n celery1 -Q fast -- broker.pool_limit=10',
    'worker[celery2] -A proj worker -n celery2 -Q fast -- broker.pool_limit=10',
    'worker[celery3] -A proj worker -n celery3 -c 1 -- broker.pool_limit=10',
  ]);
  // the documented systemd line: node names and options from variables (the options one is not a node)
  assert.deepEqual(nodes('celery -A ${CELERY_APP} multi start ${CELERYD_NODES} --pidfile=${CELERYD_PID_FILE} --loglevel=${CELERYD_LOG_LEVEL} ${CELERYD_OPTS}'), [
    'worker[${CELERYD_NODES}] -A ${CELERY_APP} worker -n ${CELERYD_NODES} --pidfile=${CELERYD_PID_FILE} --loglevel=${CELERYD_LOG_LEVEL} ${CELERYD_OPTS}',
  ]);
  // twin: stopping and restarting-by-signal lines start no worker
  assert.deepEqual(nodes('celery multi stopwait w1 w2 --pidfile=/run/%n.pid'), ['multi multi stopwait w1 w2 --pidfile=/run/%n.pid']);
});

test('a variable standing for whole options: read when the deploy sets it, else every unwritten option is unknown', async () => {
  const files = (env: string): Record<string, string> => ({
    'docker-compose.yml': `services:\n  worker:\n    build: .\n    command: /start-worker\n${env}`,
    'Dockerfile': 'FROM python:3.12-slim\nCOPY ./start-worker /start-worker\n',
    'start-worker': '#!/bin/sh\nexec celery -A proj worker -l INFO $WORKER_OPTS\n',
    'proj/celery.py': 'from celery import Celery\napp = Celery("proj")\n',
  });
  const set = await buildProjectModel(writeProject(files('    environment:\n      WORKER_OPTS: "-c 3 --max-tasks-per-child=100"\n'), 'jobctl-launch-'));
  const w = set.workerCommands[0]!;
  assert.equal(w.concurrency, 3);
  assert.deepEqual(w.options?.worker_max_tasks_per_child, { state: 'known', value: '100', text: '${WORKER_OPTS} (-c 3 --max-tasks-per-child=100)' });
  const unset = await buildProjectModel(writeProject(files(''), 'jobctl-launch-'));
  const u = unset.workerCommands[0]!;
  assert.equal(u.concurrency, null);
  assert.deepEqual(u.options?.worker_concurrency, { state: 'unknown', text: '${WORKER_OPTS}', reason: '`$WORKER_OPTS` is set at deploy time and may hold worker options' });
});

test('compose `python main.py` → the module starts `celery … worker` as a child process (list, string, shlex.split, a bound name)', async () => {
  const compose = (cmd: string): string => `services:\n  celery_worker:\n    build: .\n    command: ${cmd}\n`;
  const m = await buildProjectModel(writeProject({
    'docker-compose.yml': compose('python main.py'),
    'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n',
    'main.py': [
      'import subprocess, shlex',
      'from watchgod import run_process',
      'CMD = "celery -A main.celery beat -l info"',
      '',
      'def run_worker():',
      '    subprocess.call(',
      '        ["celery", "-A", "main.celery", "worker", "--loglevel=info", "-Q", "high,default"]',
      '    )',
      '',
      'def run_beat():',
      '    subprocess.Popen(shlex.split(CMD))',
      '',
      'if __name__ == "__main__":',
      '    run_process("./app", run_worker)',
      '',
    ].join('\n'),
  }, 'jobctl-launch-'));
  assert.deepEqual(workers(m), [
    'main.py:11 beat celery_worker c=null via=docker-compose.yml:4',
    'main.py:7 worker celery_worker c=null via=docker-compose.yml:4',
  ]);
  assert.deepEqual(m.unread, []);
  // twin: the module builds its command at run time (nothing guessed; the worker service is named unread),
  // and a web service's `python app.py` that starts no Celery adds nothing
  const t = await buildProjectModel(writeProject({
    'docker-compose.yml': `${compose('python worker.py')}  web:\n    build: .\n    command: python app.py\n`,
    'worker.py': 'import os, subprocess\nsubprocess.call(["celery", "-A", os.environ["APP"], "worker"])\n',
    'app.py': 'import subprocess\nsubprocess.run(["gunicorn", "app:server"])\n',
  }, 'jobctl-launch-'));
  assert.deepEqual(workers(t), []);
  assert.deepEqual(t.unread.map((u) => `${u.file}:${u.loc?.line} ${u.what}`), ['docker-compose.yml:4 the worker of celery_worker (`python worker.py`)']);
});

test('a Dockerfile that puts a file at another project path (COPY file → path, RUN cp/mv) places it there; the Python reader names it so', async () => {
  const m = await buildProjectModel(writeProject({
    'Dockerfile': [
      'FROM python:3.12-slim',
      'WORKDIR /app',
      'COPY . .',
      'COPY deploy/celeryconfig_prod.py /app/proj/celeryconfig.py',
      'RUN cp -f deploy/local.py proj/ && mv deploy/extra.py /app/proj/extra_settings.py',
      'RUN cp requirements.txt /tmp/requirements.txt; cp "$SRC" proj/other.py; cp proj/__init__.py proj/__init__.py',
      '',
    ].join('\n'),
    'deploy/celeryconfig_prod.py': 'from .base import *\nworker_prefetch_multiplier = 1\n',
    'deploy/local.py': 'X = 1\n',
    'deploy/extra.py': 'Y = 1\n',
    'proj/__init__.py': '',
    'proj/base.py': 'task_time_limit = 300\n',
    'proj/celery.py': 'from celery import Celery\napp = Celery("proj")\napp.config_from_object("proj.celeryconfig")\n',
    'requirements.txt': 'celery==5.6.3\n',
  }, 'jobctl-launch-'));
  assert.deepEqual((m.placedFiles ?? []).map((p) => `${p.from} -> ${p.to} (${p.loc.file}:${p.loc.line})`), [
    'deploy/celeryconfig_prod.py -> proj/celeryconfig.py (Dockerfile:4)',
    'deploy/local.py -> proj/local.py (Dockerfile:5)',
    'deploy/extra.py -> proj/extra_settings.py (Dockerfile:5)',
  ]);
  // the copied module is `proj.celeryconfig`: its `from .base import *` is proj/base.py
  const src = m.configSources.find((c) => c.file === 'deploy/celeryconfig_prod.py');
  assert.deepEqual(src?.settings.map((s) => s.name).sort(), ['task_time_limit', 'worker_prefetch_multiplier']);
  assert.deepEqual(m.unread, []);
  // twin: a folder copied in a build stage maps nothing in the final image; a file that is not a Python module is not placed
  const staged = await buildProjectModel(writeProject({
    'Dockerfile': [
      'FROM python:3.12 AS build',
      'COPY ./requirements .',
      'COPY deploy/celeryconfig_prod.py /celeryconfig.py',
      'FROM python:3.12-slim',
      'COPY deploy/start /start-celeryworker',
      'COPY deploy/celeryconfig_prod.py /srv/proj/celeryconfig.py',
      '',
    ].join('\n'),
    'requirements/base.txt': 'celery==5.6.3\n',
    'deploy/celeryconfig_prod.py': 'task_time_limit = 300\n',
    'deploy/start': '#!/bin/sh\nexec celery -A proj worker\n',
    'proj/__init__.py': '',
  }, 'jobctl-launch-'));
  assert.equal(staged.placedFiles, undefined);
  // twin: no Dockerfile, nothing placed; the module the app names is then not in the project
  const t = await buildProjectModel(writeProject({
    'deploy/celeryconfig_prod.py': 'from .base import *\n',
    'proj/__init__.py': '',
    'proj/celery.py': 'from celery import Celery\napp = Celery("proj")\napp.config_from_object("proj.celeryconfig")\n',
  }, 'jobctl-launch-'));
  assert.equal(t.placedFiles, undefined);
  assert.deepEqual(t.unread.map((u) => u.reason), ["'proj.celeryconfig' is not a module or object of the project"]);
});

test('docker-compose.override.yml is merged over the base file as compose does: build, environment and env_file of the same service', async () => {
  const m = await buildProjectModel(writeProject({
    'docker-compose.yml': [
      'services:',
      '  celeryworker:',
      '    build:',
      '      context: .',
      '      dockerfile: ./docker/Dockerfile',
      '    env_file: [.envs/worker.env]',
      '    environment:',
      '      WORKERS: "4"',
      '      CELERY_POOL: threads',
      '    command: /start-celeryworker',
      '  celerybeat:',
      '    build: {context: ., dockerfile: ./docker/Dockerfile}',
      '',
    ].join('\n'),
    'docker-compose.override.yml': [
      'services:',
      '  celeryworker:',
      '    environment:',
      '      WORKERS: "2"',
      '  celerybeat:',
      '    command: /start-celerybeat',
      '  flower:',
      '    command: /start-flower',
      '',
    ].join('\n'),
    '.envs/worker.env': 'QUEUES=default,mail\n',
    'docker/Dockerfile': 'FROM python:3.12-slim\nCOPY ./docker/worker-start /start-celeryworker\nCOPY ./docker/beat-start /start-celerybeat\n',
    'docker/worker-start': '#!/bin/sh\nexec celery -A proj worker -P "$CELERY_POOL" -c "$WORKERS" -Q "$QUEUES"\n',
    'docker/beat-start': '#!/bin/sh\nexec celery -A proj beat -l INFO\n',
    // another image copies another script to the same path: only the base's build says which one runs
    'docker/prod/Dockerfile': 'FROM python:3.12-slim\nCOPY ./docker/prod/beat-start /start-celerybeat\n',
    'docker/prod/beat-start': '#!/bin/sh\nexec celery -A proj beat -l WARNING -s /var/run/beat-schedule\n',
  }, 'jobctl-launch-'));
  const w = m.workerCommands.find((x) => x.subcommand === 'worker')!;
  // the base's command runs with the override (plain `docker compose up`: 2 workers) or without it (`-f docker-compose.yml`: 4)
  assert.deepEqual([w.pool, w.queues, w.options?.worker_concurrency], [
    'threads', ['default', 'mail'], { state: 'unknown', text: '${WORKERS}', reason: '`$WORKERS` differs where the command runs (2, 4)' },
  ]);
  assert.deepEqual(workers(m), [
    'docker/beat-start:2 beat celerybeat c=null via=docker-compose.override.yml:6',
    'docker/worker-start:2 worker celeryworker c=null via=docker-compose.yml:10',
  ]);
  // the override's command of a service the base builds resolves through the base's Dockerfile;
  // twin: an override-only service with no build in either file points nowhere (unread, as for any script no image copies)
  assert.deepEqual(m.unread.map((u) => `${u.file}:${u.loc?.line} ${u.what}`), ['docker-compose.override.yml:8 `/start-flower` (run by flower)']);
});

test('a name the launcher reassigns holds, at each call, the last literal assigned before it; a branch makes it unknown', async () => {
  const launcher = (body: string): Record<string, string> => ({
    'Procfile': 'worker: python scripts/dev_worker.py\n',
    'scripts/dev_worker.py': `import os, shlex, subprocess, sys\n\n\ndef restart():\n${body}`,
  });
  const m = await buildProjectModel(writeProject(launcher([
    "    cmd = 'pkill celery'",
    '    subprocess.call(shlex.split(cmd))',
    "    cmd = 'celery -A proj worker -l info --queues celery,psa'",
    '    subprocess.Popen(shlex.split(cmd), env=os.environ.copy())',
    "    cmd = 'celery -A proj flower --port=5555'",
    '    subprocess.Popen(shlex.split(cmd))',
    '',
  ].join('\n')), 'jobctl-launch-'));
  assert.deepEqual(m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.subcommand} ${w.queues.join(',')} via=${w.launchedBy?.[0]?.file}`), [
    'scripts/dev_worker.py:8 worker celery,psa via=Procfile',
    'scripts/dev_worker.py:10 flower  via=Procfile',
  ]);
  // twin: the command depends on a branch
  const t = await buildProjectModel(writeProject(launcher([
    "    cmd = 'celery -A proj worker'",
    "    if sys.platform == 'win32':",
    "        cmd = 'celery -A proj worker -P solo'",
    '    subprocess.call(shlex.split(cmd))',
    '',
  ].join('\n')), 'jobctl-launch-'));
  assert.deepEqual(t.workerCommands, []);
  assert.deepEqual(t.unread.map((u) => `${u.file}:${u.loc?.line} ${u.what}`), ['Procfile:1 the worker of worker (`python scripts/dev_worker.py`)']);
});

test('malformed launchers never crash: a huge multi node count, a broken Python launcher, an empty watchfiles', async () => {
  assert.deepEqual(parseCeleryInvocations('celery multi start 100000 -A proj', ctx).map(brief), ['multi multi start 100000 -A proj']);
  assert.deepEqual(parseCeleryInvocations('watchfiles --filter', ctx), []);
  const m = await buildProjectModel(writeProject({
    'Procfile': 'worker: python run.py\n',
    'run.py': 'import subprocess\nsubprocess.call(["celery", "-A", "proj", "worker", "-c"\n  def (:\n',
  }, 'jobctl-launch-'));
  // a module that does not parse starts nothing (Python would not run it)
  assert.deepEqual(m.workerCommands, []);
});

test('a compose file whose service has neither image nor build is a `-f` layer over the folder base file; a full service definition is not', async () => {
  const m = await buildProjectModel(writeProject({
    'docker-compose.yml': 'services:\n  worker:\n    build: .\n    environment:\n      POOL: threads\n    command: /start-worker\n',
    'docker-compose.prod.yml': 'services:\n  worker:\n    environment:\n      WORKERS: "8"\n',
    'docker-compose.ci.yml': 'services:\n  worker:\n    image: app:ci\n    command: celery -A proj worker -P $$POOL\n',
    'Dockerfile': 'FROM python:3.12-slim\nCOPY ./start-worker /start-worker\n',
    'start-worker': '#!/bin/sh\nexec celery -A proj worker -P "$POOL" -c "$WORKERS"\n',
  }, 'jobctl-launch-'));
  const scoped = m.envAssignments.filter((e) => e.scope === 'worker').map((e) => `${e.key}=${e.value} ${e.file}→${e.scopeFile ?? e.file}`).sort();
  assert.deepEqual(scoped, [
    'POOL=threads docker-compose.yml→docker-compose.prod.yml',
    'POOL=threads docker-compose.yml→docker-compose.yml',
    'WORKERS=8 docker-compose.prod.yml→docker-compose.prod.yml',
  ]);
  // the script runs from the base (WORKERS unset there unless the prod layer is applied): its concurrency is unknown
  const w = m.workerCommands.find((x) => x.file === 'start-worker')!;
  assert.deepEqual([w.pool, w.concurrency, w.options?.worker_concurrency?.state], ['threads', null, 'unknown']);
});

test('a compose bind mount of a project file onto the mounted project places it there (readthedocs: settings/celery_docker.py)', async () => {
  const m = await buildProjectModel(writeProject({
    'docker-compose.yml': [
      'services:',
      '  celery:',
      '    image: app:latest',
      '    volumes:',
      '      - ${PWD}:/usr/src/app',
      '      - ${PWD}/dockerfiles/settings/celery.py:/usr/src/app/proj/settings/celery_docker.py:ro',
      '      - type: bind',
      '        source: ./dockerfiles/settings/web.py',
      '        target: /usr/src/app/proj/settings/web_docker.py',
      '      - data:/usr/src/app/proj/settings/data_docker.py',
      '      - /etc/app/abs.py:/usr/src/app/proj/settings/abs_docker.py',
      '    environment:',
      '      - DJANGO_SETTINGS_MODULE=proj.settings.celery_docker',
      '  other:',
      '    image: app:latest',
      '    volumes:',
      '      - ./dockerfiles/settings/build.py:/srv/proj/settings/build_docker.py',
      '',
    ].join('\n'),
    'dockerfiles/settings/celery.py': 'from proj.settings.base import *\nCELERY_WORKER_PREFETCH_MULTIPLIER = 1\n',
    'dockerfiles/settings/web.py': 'X = 1\n',
    'dockerfiles/settings/build.py': 'Y = 1\n',
    'proj/__init__.py': '',
    'proj/settings/__init__.py': '',
    'proj/settings/base.py': 'CELERY_TASK_TIME_LIMIT = 300\n',
    'proj/celery.py': 'from celery import Celery\napp = Celery("proj")\napp.config_from_object("django.conf:settings", namespace="CELERY")\n',
    'requirements.txt': 'celery==5.6.3\ndjango==5.2.8\n',
  }, 'jobctl-launch-'));
  // the named volume and the absolute host path are no project files; the `other` service mounts no project root,
  // so /srv/proj/… says nothing about where build.py sits in the project
  assert.deepEqual((m.placedFiles ?? []).map((p) => `${p.from} -> ${p.to}`), [
    'dockerfiles/settings/celery.py -> proj/settings/celery_docker.py',
    'dockerfiles/settings/web.py -> proj/settings/web_docker.py',
  ]);
  const src = m.configSources.find((c) => c.file === 'dockerfiles/settings/celery.py');
  assert.deepEqual(src?.settings.map((s) => s.name).sort(), ['CELERY_TASK_TIME_LIMIT', 'CELERY_WORKER_PREFETCH_MULTIPLIER']);
  assert.deepEqual(m.unread.filter((u) => u.holds === 'config'), []);
});
