// systemd units, supervisord programs, Procfiles, s6 service scripts and templated (Jinja/cookiecutter)
// deploy files: worker commands, env assignments, scripts they run; what a template hides is unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../support/fixtures.js';
import { buildProjectModel } from '../../src/model/index.js';
import type { ProjectModel } from '../../src/model/types.js';

const project = (files: Record<string, string>): string => writeProject(files, 'jobctl-hosts-');
const workers = (m: ProjectModel): string[] =>
  m.workerCommands.map((w) => `${w.file}:${w.loc.line} ${w.source} ${w.processName ?? '-'} ${w.subcommand} c=${w.concurrency} tl=${w.options?.task_time_limit?.state === 'known' ? w.options.task_time_limit.value : w.options?.task_time_limit?.state ?? '-'} via=${(w.launchedBy ?? []).map((l) => `${l.file}:${l.loc.line}`).join(',')}`).sort();
const unread = (m: ProjectModel): string[] => m.unread.map((u) => `${u.file}:${u.loc?.line ?? ''} ${u.what}`).sort();

test('systemd: Environment= expands ExecStart= (CELERY_BIN, CELERYD_OPTS), scoped env; supervisord environment=; Procfile and s6 scripts', async () => {
  const m = await buildProjectModel(project({
    'deploy/celery.service': [
      '[Service]',
      'Environment="CELERY_BIN=/opt/venv/bin/celery" "CELERY_APP=proj"',
      'Environment=CELERYD_OPTS="--time-limit=300 --concurrency=8"',
      "ExecStart=/bin/sh -c '${CELERY_BIN} -A ${CELERY_APP} worker $CELERYD_OPTS'",
      '',
    ].join('\n'),
    'deploy/supervisord.conf': '[program:beat]\ncommand=/opt/venv/bin/celery -A proj beat\nenvironment=DJANGO_SETTINGS_MODULE="proj.settings",LANG=C\n[program:worker]\ncommand=/app/bin/start-worker.sh\n',
    'bin/start-worker.sh': '#!/bin/sh\nexec celery -A proj worker -c 2 --time-limit 60\n',
    'Procfile': 'web: gunicorn proj.wsgi\nworker: bin/run-worker\n',
    'bin/run-worker': '#!/bin/sh\nexec celery -A proj worker --concurrency=${WEB_CONCURRENCY:-2}\n',
    'docker/rootfs/etc/s6-overlay/s6-rc.d/svc-worker/run': '#!/command/with-contenv bash\nexec s6-setuidgid app /usr/local/bin/celery --app proj worker\n',
  }));
  assert.deepEqual(workers(m), [
    'bin/run-worker:2 shell worker worker c=null tl=- via=Procfile:2',
    'bin/start-worker.sh:2 shell worker worker c=2 tl=60 via=deploy/supervisord.conf:5',
    'deploy/celery.service:4 systemd celery worker c=8 tl=300 via=',
    'deploy/supervisord.conf:2 other beat beat c=null tl=- via=',
    'docker/rootfs/etc/s6-overlay/s6-rc.d/svc-worker/run:2 shell svc-worker worker c=null tl=- via=',
  ]);
  const env = m.envAssignments.filter((e) => e.source !== 'shell').map((e) => `${e.file}:${e.loc.line} ${e.source}/${e.scope} ${e.key}=${e.value}`);
  assert.deepEqual(env, [
    'deploy/celery.service:2 systemd/celery CELERY_BIN=/opt/venv/bin/celery',
    'deploy/celery.service:2 systemd/celery CELERY_APP=proj',
    'deploy/celery.service:3 systemd/celery CELERYD_OPTS=--time-limit=300 --concurrency=8',
    'deploy/supervisord.conf:3 supervisord/beat DJANGO_SETTINGS_MODULE=proj.settings',
    'deploy/supervisord.conf:3 supervisord/beat LANG=C',
  ]);
  assert.deepEqual(unread(m), []);
});

test('twin: a unit whose celery program comes from an EnvironmentFile outside the project is unread; a web unit is nothing', async () => {
  const m = await buildProjectModel(project({
    'deploy/celery.service': "[Service]\nEnvironmentFile=-/etc/conf.d/celery\nExecStart=/bin/sh -c '${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES $CELERYD_OPTS'\n",
    'deploy/web.service': '[Service]\nExecStart=/opt/venv/bin/gunicorn proj.wsgi\n',
  }));
  assert.deepEqual(workers(m), []);
  assert.deepEqual(unread(m), ['deploy/celery.service:3 the Celery command of celery: its program is `${CELERY_BIN}` (set in /etc/conf.d/celery)']);
});

test('templated trees: cookiecutter compose/Procfile/Dockerfile read after blanking tags; a templated command is unread, never guessed', async () => {
  const m = await buildProjectModel(project({
    '{{cookiecutter.slug}}/docker-compose.yml': [
      'services:',
      "  django:{% if cookiecutter.use_celery == 'y' %} &django{% endif %}",
      '    image: {{ cookiecutter.slug }}_django',
      '    command: /start',
      "{%- if cookiecutter.use_celery == 'y' %}",
      '  celeryworker:',
      '    <<: *django',
      '    command: celery -A {{ cookiecutter.slug }}.celery worker',
      '  celerybeat:',
      '    <<: *django',
      '    command: celery -A config.celery_app beat',
      '{%- endif %}',
      '',
    ].join('\n'),
    '{{cookiecutter.slug}}/Procfile': "{%- if cookiecutter.use_async == 'y' %}\nweb: uvicorn config.asgi:app\n{%- else %}\nworker: celery -A config worker -P gevent\n{%- endif %}\nbeat: celery -A config beat\n",
    'ops/celery.service.j2': '[Service]\nEnvironment="CELERY_APP={{ celery_app }}"\nExecStart=/usr/bin/celery -A {{ celery_app }} worker --concurrency={{ procs }}\n',
  }));
  assert.deepEqual(workers(m), [
    '{{cookiecutter.slug}}/Procfile:6 procfile beat beat c=null tl=- via=',
    '{{cookiecutter.slug}}/docker-compose.yml:11 compose celerybeat beat c=null tl=- via=',
  ]);
  assert.deepEqual(unread(m), [
    'ops/celery.service.j2:3 the ExecStart= of celery',
    '{{cookiecutter.slug}}/docker-compose.yml:8 the command of service celeryworker',
  ]);
  assert.ok(!m.envAssignments.some((e) => e.key === 'CELERY_APP'), 'a templated value is not an assignment');
  assert.ok(!m.notes.some((n) => n.level === 'warning'), 'no parse warnings on a template');
});

test('twin: plain files with no template tags are read as before, nothing unread', async () => {
  const m = await buildProjectModel(project({ 'docker-compose.yml': 'services:\n  w:\n    image: x\n    command: celery -A proj worker -c 2\n', Procfile: 'worker: celery -A proj worker -c 1\n' }));
  assert.deepEqual(workers(m), ['Procfile:1 procfile worker worker c=1 tl=- via=', 'docker-compose.yml:4 compose w worker c=2 tl=- via=']);
  assert.deepEqual(unread(m), []);
});

test('templated Python (cookiecutter settings): parses after blanking; a setting under {% if %} is present with an unknown value', async () => {
  const m = await buildProjectModel(project({
    '{{cookiecutter.slug}}/config/celery_app.py': 'import os\nfrom celery import Celery\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\napp = Celery("{{cookiecutter.slug}}")\napp.config_from_object("django.conf:settings", namespace="CELERY")\n',
    '{{cookiecutter.slug}}/config/settings.py': [
      'from {{ cookiecutter.slug }}.users import apps  # noqa',
      'CELERY_BROKER_URL = "redis://redis:6379/0"',
      "{%- if cookiecutter.use_celery == 'y' %}",
      'CELERY_TASK_TIME_LIMIT = 5 * 60',
      '{%- else %}',
      'CELERY_TASK_ALWAYS_EAGER = True',
      '{%- endif %}',
      '',
    ].join('\n'),
  }));
  assert.ok(!m.notes.some((n) => /syntax error/i.test(n.message)), 'no syntax-error note');
  const settings = m.configSources.flatMap((c) => c.settings.map((s) => `${s.loc.line} ${s.name}=${s.value.kind}`)).sort();
  assert.deepEqual(settings, ['2 CELERY_BROKER_URL=str', '4 CELERY_TASK_TIME_LIMIT=name']);
  assert.ok(m.files.find((f) => f.file.endsWith('settings.py'))!.text.includes('{%- else %}'), 'the file keeps its raw text');
});
