// JC404 (worker not exec'd by the container's start script) and JC405 (celery multi under a supervisor):
// exact findings for each shape, and the true negatives (exec, `-c` strings, init processes, trap, systemd multi).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject, removeDir } from '../support/fixtures.js';
import { runAudit } from '../../src/engine/audit.js';

const base: Record<string, string> = {
  'requirements.txt': 'celery[redis]==5.6.3\n',
  'proj/__init__.py': '',
  'proj/celery.py': 'from celery import Celery\napp = Celery("proj")\napp.conf.update(task_time_limit=60, worker_concurrency=2, broker_connection_retry_on_startup=True)\n',
};

async function findings(files: Record<string, string>, rules = /JC40[2-5]/): Promise<string[]> {
  const dir = writeProject({ ...base, ...files }, 'jobctl-signals-');
  try {
    const r = await runAudit(dir);
    return r.findings.filter((f) => rules.test(f.ruleId)).map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`).sort();
  } finally {
    removeDir(dir);
  }
}

const compose = (command: string, extra = ''): string => `services:\n  worker:\n    build: .\n    command: ${command}\n${extra}`;
const dockerfile = (entry = ''): string => `FROM python:3.12\nWORKDIR /app\nCOPY . /app\n${entry}`;

test('JC404: a container start script that runs the worker in the foreground without exec', async () => {
  const script = '#!/bin/bash\nset -e\npython manage.py migrate\ncelery -A proj worker -l info\n';
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./bin/worker.sh'), Dockerfile: dockerfile(), 'bin/worker.sh': script }), ['bin/worker.sh:4 JC404']);
  // a Dockerfile CMD running it with bash, a worker in an `if` branch (the tacticalrmm entrypoint shape)
  const branchy = '#!/bin/bash\nif [ "$1" = worker ]; then\n  celery -A proj worker\nfi\nif [ "$1" = web ]; then\n  gunicorn proj.wsgi\nfi\n';
  assert.deepEqual(await findings({ Dockerfile: dockerfile('COPY entry.sh /entry.sh\nCMD ["bash", "/entry.sh", "worker"]\n'), 'entry.sh': branchy }), ['entry.sh:3 JC404']);
});

test('JC404 stays silent: exec, `sh -c` strings, tini/dumb-init/init: true, a TERM trap, host scripts, dev compose', async () => {
  const bare = '#!/bin/bash\ncelery -A proj worker\n';
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./w.sh'), Dockerfile: dockerfile(), 'w.sh': '#!/bin/bash\nexec celery -A proj worker\n' }), []);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('bash -c "./manage.py migrate && celery -A proj worker"'), Dockerfile: dockerfile() }), []);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./w.sh'), Dockerfile: dockerfile('ENTRYPOINT ["/usr/bin/tini", "--"]\n'), 'w.sh': bare }), []);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./w.sh'), Dockerfile: dockerfile('ENTRYPOINT ["dumb-init", "--"]\n'), 'w.sh': bare }), []);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./w.sh', '    init: true\n'), Dockerfile: dockerfile(), 'w.sh': bare }), []);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./w.sh'), Dockerfile: dockerfile(), 'w.sh': "#!/bin/bash\ntrap 'kill -TERM $pid' TERM\ncelery -A proj worker\n" }), []);
  assert.deepEqual(await findings({ 'deploy/worker.service': '[Service]\nExecStart=/srv/app/w.sh\n', 'w.sh': bare }), []);
  assert.deepEqual(await findings({ 'docker-compose.local.yml': compose('./w.sh'), Dockerfile: dockerfile(), 'w.sh': bare }), []);
});

test('JC405: celery multi under supervisord or as the container\'s process; silent under systemd', async () => {
  const multi = 'celery multi start w1 w2 -A proj -c 2';
  assert.deepEqual(await findings({ 'supervisord.conf': `[program:celery]\ncommand=${multi}\n` }), ['supervisord.conf:2 JC405']);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose(`sh -c "${multi} && tail -f /dev/null"`) }), ['docker-compose.yml:4 JC405']);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./start.sh'), Dockerfile: dockerfile(), 'start.sh': `#!/bin/sh\n${multi}\nsleep infinity\n` }), ['start.sh:2 JC405']);
  // twins: the documented systemd unit (Type=forking), multi stopwait, a start script that stops the nodes on TERM
  assert.deepEqual(await findings({ 'deploy/celery.service': `[Service]\nType=forking\nExecStart=${multi}\nExecStop=celery multi stopwait w1 w2\n` }), []);
  assert.deepEqual(await findings({ 'docker-compose.yml': compose('./start.sh'), Dockerfile: dockerfile(), 'start.sh': `#!/bin/sh\ntrap 'celery multi stopwait w1 w2; exit 0' TERM\n${multi}\nwhile true; do sleep 1; done\n` }), []);
  assert.deepEqual(await findings({ 'supervisord.conf': '[program:celery]\ncommand=celery -A proj worker -n w1@%%h -c 2\n' }), []);
});
