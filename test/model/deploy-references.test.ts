// References (knip-style): a deploy file names a script, an env file or a Dockerfile; the core follows
// it. Shapes from cookiecutter-django (compose → Dockerfile COPY → start script), DefectDojo
// (wait-for-it → entrypoint script, pool from Dockerfile ENV), and their true-negative twins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import type { ProjectModel } from '../../src/model/types.js';

const project = (files: Record<string, string>): string => writeProject(files, 'jobctl-refs-');

const workers = (m: ProjectModel): string[] =>
  m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.subcommand} ${w.processName ?? '-'} via=${(w.launchedBy ?? []).map((l) => `${l.file}:${l.loc.line}`).join(',')}`).sort();

const cookiecutter = (workerStart: string): Record<string, string> => ({
  'docker-compose.production.yml': [
    'x-common: &common',
    '  restart: always',
    'services:',
    '  django: &django',
    '    <<: *common',
    '    build:',
    '      context: .',
    '      dockerfile: ./compose/production/django/Dockerfile',
    '    env_file:',
    '      - ./.envs/.production/.django',
    '    command: /start',
    '  celeryworker:',
    '    <<: *django',
    '    command: /start-celeryworker',
    '    environment:',
    '      <<: {CELERY_QUEUES: default}',
    '      WORKERS: "3"',
    '  celerybeat:',
    '    <<: *django',
    '    command: /start-celerybeat',
    '',
  ].join('\n'),
  'compose/production/django/Dockerfile': [
    'FROM python:3.12-slim',
    'ENV DJANGO_SETTINGS_MODULE=config.settings.production \\',
    '    # the pool the worker runs',
    '    CELERY_POOL=threads',
    'COPY --chown=django:django ./compose/production/django/start /start',
    'COPY ./compose/production/django/celery/worker/start /start-celeryworker',
    'COPY ./compose/production/django/celery/beat/start /start-celerybeat',
    'ENTRYPOINT ["/entrypoint"]',
    '',
  ].join('\n'),
  'compose/production/django/start': '#!/bin/bash\nexec gunicorn config.wsgi\n',
  'compose/production/django/celery/worker/start': workerStart,
  'compose/production/django/celery/beat/start': '#!/bin/bash\nset -o errexit\nexec celery -A config.celery_app beat -l INFO\n',
  '.envs/.production/.django': 'CELERY_BROKER_URL=redis://redis:6379/0\nDJANGO_SETTINGS_MODULE=config.settings.production\n',
  'config/celery_app.py': 'from celery import Celery\napp = Celery("config")\n',
});

test('compose command → Dockerfile COPY → start script: the worker line, its launcher, its env; CLI options resolved', async () => {
  const m = await buildProjectModel(project(cookiecutter('#!/bin/bash\nQUEUES="${CELERY_QUEUES:-celery}"\nexec celery -A config.celery_app worker -Q "$QUEUES" -P "$CELERY_POOL" -c $WORKERS --time-limit=${TIME_LIMIT:-300} -l INFO\n')));
  assert.deepEqual(workers(m), [
    'compose/production/django/celery/beat/start:3 beat celerybeat via=docker-compose.production.yml:20',
    'compose/production/django/celery/worker/start:3 worker celeryworker via=docker-compose.production.yml:14',
  ]);
  const w = m.workerCommands.find((x) => x.subcommand === 'worker')!;
  assert.deepEqual([w.queues, w.pool, w.concurrency], [['default'], 'threads', 3]);
  assert.deepEqual(w.options!.task_time_limit, { state: 'unknown', text: '${TIME_LIMIT:-300}', reason: '`$TIME_LIMIT` (default 300) is set at deploy time' });
  // env_file and environment (through `<<` merges) scoped to the service; Dockerfile ENV across a commented continuation
  const env = m.envAssignments.map((e) => `${e.file}:${e.loc.line} ${e.source}${e.scope ? `/${e.scope}` : ''} ${e.key}=${e.value}`).filter((s) => !s.includes(' shell')).sort();
  assert.deepEqual(env, [
    '.envs/.production/.django:1 compose/celerybeat CELERY_BROKER_URL=redis://redis:6379/0',
    '.envs/.production/.django:1 compose/celeryworker CELERY_BROKER_URL=redis://redis:6379/0',
    '.envs/.production/.django:1 compose/django CELERY_BROKER_URL=redis://redis:6379/0',
    '.envs/.production/.django:2 compose/celerybeat DJANGO_SETTINGS_MODULE=config.settings.production',
    '.envs/.production/.django:2 compose/celeryworker DJANGO_SETTINGS_MODULE=config.settings.production',
    '.envs/.production/.django:2 compose/django DJANGO_SETTINGS_MODULE=config.settings.production',
    'compose/production/django/Dockerfile:2 dockerfile CELERY_POOL=threads',
    'compose/production/django/Dockerfile:2 dockerfile DJANGO_SETTINGS_MODULE=config.settings.production',
    'docker-compose.production.yml:16 compose/celeryworker CELERY_QUEUES=default',
    'docker-compose.production.yml:17 compose/celeryworker WORKERS=3',
  ]);
  assert.deepEqual(m.unread, []);
});

test('twin: a web-only start script and an image without the script: no worker invented, the unreadable worker is named', async () => {
  const files = cookiecutter('#!/bin/bash\nexec python manage.py runserver\n');
  const m = await buildProjectModel(project(files));
  assert.deepEqual(workers(m), ['compose/production/django/celery/beat/start:3 beat celerybeat via=docker-compose.production.yml:20']);
  assert.deepEqual(m.unread, []);
  const noCopy = await buildProjectModel(project({ 'docker-compose.yml': 'services:\n  web:\n    image: acme/app\n    command: /start\n  worker:\n    image: acme/app\n    command: /start-celeryworker\n' }));
  assert.deepEqual(noCopy.workerCommands, []);
  assert.deepEqual(noCopy.unread.map((u) => `${u.file}:${u.loc?.line} ${u.what}`), ['docker-compose.yml:7 `/start-celeryworker` (run by worker)']);
});

test('wait-for-it → entrypoint script copied with several sources; pool from the image ENV; concurrency from an unset variable is unknown', async () => {
  const m = await buildProjectModel(project({
    'docker-compose.yml': "services:\n  celeryworker:\n    image: acme/dojo\n    entrypoint: ['/wait-for-it.sh', 'db:5432', '-t', '30', '--', '/entrypoint-celery-worker.sh']\n",
    'Dockerfile.django': 'FROM python:3.12\nENV \\\n  DD_POOL="solo" \\\n  # DD_CONCURRENCY="8" \\\n  DD_X=1\nCOPY \\\n  docker/entrypoint-celery-worker.sh \\\n  docker/wait-for-it.sh \\\n  /\n',
    'docker/entrypoint-celery-worker.sh': '#!/bin/bash\nexec celery --app=dojo worker --pool="${DD_POOL}" --concurrency="${DD_CONCURRENCY:-1}"\n',
    'docker/wait-for-it.sh': '#!/bin/sh\nexec "$@"\n',
  }));
  assert.deepEqual(workers(m), ['docker/entrypoint-celery-worker.sh:2 worker celeryworker via=docker-compose.yml:4']);
  const w = m.workerCommands[0]!;
  assert.equal(w.pool, 'solo');
  assert.equal(w.concurrency, null);
  assert.deepEqual(w.options!.worker_concurrency, { state: 'unknown', text: '${DD_CONCURRENCY:-1}', reason: '`$DD_CONCURRENCY` (default 1) is set at deploy time' });
});

test('`bash celery_worker.sh` runs from the image WORKDIR, reached through `COPY ./scripts/*.sh $APP_HOME`; a non-matching glob does not reach it', async () => {
  const files = (copy: string): Record<string, string> => ({
    'docker-compose.yaml': 'services:\n  celery-worker:\n    image: ghcr.io/acme/care:latest\n    entrypoint: [ "bash", "celery_worker.sh" ]\n',
    'docker/prod.Dockerfile': `FROM python:3.12\nENV APP_HOME=/app\nWORKDIR $APP_HOME\n${copy}\nCOPY . $APP_HOME\n`,
    'scripts/celery_worker.sh': '#!/bin/bash\nnewrelic-admin run-program celery --app=config.celery_app worker --max-tasks-per-child=6\n',
  });
  const m = await buildProjectModel(project(files('COPY --chmod=0755 ./scripts/*.sh $APP_HOME')));
  assert.deepEqual(workers(m), ['scripts/celery_worker.sh:2 worker celery-worker via=docker-compose.yaml:4']);
  assert.deepEqual(m.workerCommands[0]!.options!.worker_max_tasks_per_child, { state: 'known', value: '6', text: '6' });
  const twin = await buildProjectModel(project(files('COPY ./scripts/*.py $APP_HOME')));
  assert.deepEqual(workers(twin), ['scripts/celery_worker.sh:2 worker - via=']);
  assert.deepEqual(twin.unread.map((u) => u.what), ['`celery_worker.sh` (run by celery-worker)']);
});

test('compose: x-* blocks merged into command and environment, env_file as a string and as {path, required}, stop_grace_period and healthcheck', async () => {
  const m = await buildProjectModel(project({
    'deploy/docker-compose.yml': [
      'x-worker: &worker',
      '  image: acme/app',
      '  command: ["celery", "-A", "proj", "worker", "-c", "${CONCURRENCY}"]',
      '  stop_grace_period: 1m30s',
      '  healthcheck:',
      '    test: ["CMD", "celery", "-A", "proj", "inspect", "ping"]',
      'x-env: &env',
      '  CONCURRENCY: 4',
      'services:',
      '  worker:',
      '    <<: *worker',
      '    env_file: worker.env',
      '    environment:',
      '      <<: *env',
      '  worker-b:',
      '    <<: *worker',
      '    env_file:',
      '      - path: ./missing.env',
      '        required: false',
      '    environment:',
      '      - CONCURRENCY=8',
      '',
    ].join('\n'),
    'deploy/worker.env': 'DJANGO_SETTINGS_MODULE=proj.settings\n',
  }));
  const ws = m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.processName} c=${w.concurrency} grace=${w.deploy?.gracePeriodSeconds} hc=${w.deploy?.livenessProbe?.command}`).sort();
  assert.deepEqual(ws, [
    'deploy/docker-compose.yml:3 worker c=4 grace=90 hc=celery -A proj inspect ping',
    'deploy/docker-compose.yml:3 worker-b c=8 grace=90 hc=celery -A proj inspect ping',
  ]);
  assert.deepEqual(m.envAssignments.map((e) => `${e.file}:${e.loc.line} ${e.scope} ${e.key}=${e.value}`).sort(), [
    'deploy/docker-compose.yml:21 worker-b CONCURRENCY=8',
    'deploy/docker-compose.yml:8 worker CONCURRENCY=4',
    // a *.env file is read on its own (unscoped) and again for the service that loads it
    'deploy/worker.env:1 undefined DJANGO_SETTINGS_MODULE=proj.settings',
    'deploy/worker.env:1 worker DJANGO_SETTINGS_MODULE=proj.settings',
  ]);
});

test('the same service name in two compose files is two services: one file\'s environment does not resolve the other\'s script', async () => {
  const files = {
    'docker-compose.yml': 'services:\n  celeryworker:\n    build: .\n    command: /start-celeryworker\n',
    'docker-compose.production.yml': 'services:\n  celeryworker:\n    build: .\n    command: /start-celeryworker\n    environment:\n      CELERY_QUEUES: antenna\n',
    Dockerfile: 'FROM python:3.12\nCOPY ./start-worker /start-celeryworker\n',
    'start-worker': '#!/bin/bash\nQUEUES="${CELERY_QUEUES:-antenna,jobs}"\nexec celery -A config worker --queues="$QUEUES"\n',
  };
  const m = await buildProjectModel(project(files));
  assert.deepEqual(m.workerCommands[0]!.options!.queues, { state: 'unknown', text: '${QUEUES}', reason: '`$CELERY_QUEUES` (default antenna,jobs) is set at deploy time' });
  const prodOnly = await buildProjectModel(project({ ...files, 'docker-compose.yml': 'services: {}\n' }));
  assert.deepEqual(prodOnly.workerCommands[0]!.queues, ['antenna']);
});

test('rules see through references: a start script that backgrounds the worker, run by compose, is JC402; the same script on a host is not', async () => {
  const { runAudit } = await import('../../src/engine/audit.js');
  const files = {
    'docker-compose.yml': 'services:\n  app:\n    build: .\n    command: /start\n',
    Dockerfile: 'FROM python:3.12\nCOPY ./scripts/start.sh /start\n',
    'scripts/start.sh': '#!/bin/sh\ncelery -A proj worker -c 2 &\nexec gunicorn proj.wsgi\n',
  };
  const inContainer = await runAudit(project(files));
  assert.deepEqual(inContainer.findings.filter((f) => f.ruleId.startsWith('JC4')).map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`), ['scripts/start.sh:2 JC402']);
  const onHost = await runAudit(project({ 'scripts/start.sh': files['scripts/start.sh'] }));
  assert.deepEqual(onHost.findings.filter((f) => f.ruleId.startsWith('JC4')), []);
});

test('an env_file that is not in the project may override the image ENV: the value is unknown; an optional one that is absent is not', async () => {
  const files = (envFile: string): Record<string, string> => ({
    'docker-compose.yml': `services:\n  worker:\n    build: .\n    command: /start-worker\n    env_file:\n${envFile}`,
    Dockerfile: 'FROM python:3.12\nENV POOL=threads\nCOPY ./start-worker /start-worker\n',
    'start-worker': '#!/bin/sh\nexec celery -A proj worker -P "$POOL"\n',
  });
  const missing = await buildProjectModel(project(files('      - ./.envs/.production/.django\n')));
  assert.deepEqual(missing.workerCommands[0]!.options!.worker_pool, { state: 'unknown', text: '${POOL}', reason: '`$POOL` is set at deploy time' });
  const optional = await buildProjectModel(project(files('      - path: ./.env.local\n        required: false\n')));
  assert.equal(optional.workerCommands[0]!.pool, 'threads');
});
