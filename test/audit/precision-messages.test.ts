// What the precision fixes say, on the fixtures that pin where they fire (fixtures.test.ts checks the places).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/engine/audit.js';
import { checkoutFixture, removeDir, writeProject } from '../support/fixtures.js';

async function findings(name: string, rule: string): Promise<{ message: string; severity: string; where: string }[]> {
  const dir = checkoutFixture(name);
  try {
    return (await runAudit(dir)).findings.filter((f) => f.ruleId === rule).map((f) => ({ message: f.message, severity: f.severity, where: `${f.location.file}:${f.location.line}` }));
  } finally {
    removeDir(dir);
  }
}

test('JC201 with celery-aio-pool: names the worker without the pool; says when CELERY_CUSTOM_WORKER_POOL is set too late; silent when every worker awaits', async () => {
  const [mixed] = await findings('event-loop-aio-pool-mixed', 'JC201');
  assert.equal(mixed!.severity, 'warning');
  assert.match(mixed!.message, /workers started with celery-aio-pool \(docker-compose\.yml:6\) await it, but docker-compose\.yml:11 runs Celery's own tracer, which never awaits it: the task fails there with EncodeError$/);
  const [late] = await findings('event-loop-aio-pool', 'JC201');
  assert.equal(late!.severity, 'error');
  assert.match(late!.message, /Procfile:1 \(`-P custom`\) has no CELERY_CUSTOM_WORKER_POOL in its environment: that worker does not start \(ModuleNotFoundError: No module named 'custom'\); CELERY_CUSTOM_WORKER_POOL set in app\/worker\.py:5 comes too late/);
  assert.deepEqual(await findings('event-loop-aio-pool-clean', 'JC201'), []);
  assert.deepEqual(await findings('event-loop-aio-tracer', 'JC201'), []);
});

test('JC305/JC106: a lock the Dockerfile does not install from does not bound celery, nor say which version runs', async () => {
  const [unpinned] = await findings('lock-bypassed', 'JC305');
  assert.match(unpinned!.message, /^celery is required as `celery>=5\.3\.6` with no upper bound, and the image does not install from poetry\.lock: Dockerfile:5 runs `pip install .*` without it \(the Dockerfile copies no lock before it\), so every image build takes whatever is newest$/);
  assert.deepEqual(await findings('lock-bypassed', 'JC106'), []);
  assert.deepEqual(await findings('lock-bypassed-twin', 'JC305'), []);
  const [warns] = await findings('lock-bypassed-twin', 'JC106');
  assert.match(warns!.message, /^Celery 5\.3\.6 warns at worker start/);
});

test('JC502: weak/vendor-default passwords in use are errors or notes with their place; look-alikes and localhost guest are not findings', async () => {
  const f = await findings('secrets-defaults', 'JC502');
  assert.deepEqual(f.map((x) => `${x.where} ${x.severity}`).sort(), ['docker-compose.yml:6 info', 'proj/celery.py:11 error', 'proj/celery.py:12 error']);
  assert.match(f.find((x) => x.where === 'proj/celery.py:11')!.message, /^`backend` holds a URL with a literal password \(redis:\/\/:\*\*\*\*@redis:6379\/0\)$/);
  assert.ok(!JSON.stringify(f).includes('password123') && !JSON.stringify(f).includes('bitnami'));
  const [eager] = await findings('secrets-defaults', 'JC602');
  assert.equal(eager!.where, 'proj/settings.py:13');
});

test('JC401 on `celery flower --app=… --broker=…`: flower warns and starts on the default broker (it does not exit like the worker)', async () => {
  const [f] = await findings('flower-option-order', 'JC401');
  assert.match(f!.message, /comes after `celery flower`: flower only warns .* starts with the default app and broker \(amqp:\/\/guest@localhost\/\/\), so it monitors nothing of this project$/);
  assert.doesNotMatch(f!.message, /No such option/);
  assert.deepEqual(await findings('flower-option-order-twin', 'JC401'), []);
});

test('JC001: a test file or built asset too large to read (a cassette, a minified bundle) is not reported; a large project file still is', async () => {
  const big = `# ${'x'.repeat(3 * 1024 * 1024)}\n`;
  const dir = writeProject({
    'requirements.txt': 'celery[redis]==5.6.3\n',
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj', broker='redis://redis:6379/0')\n",
    'proj/tests/cassettes/test_fetch.yaml': big,
    'proj/static/js/app.min.js': big,
    '.yarn/releases/yarn-3.6.1.cjs': big,
    'proj/big_settings.yaml': big,
  });
  try {
    const f = (await runAudit(dir)).findings.filter((x) => x.ruleId === 'JC001').map((x) => x.location.file);
    assert.deepEqual(f, ['proj/big_settings.yaml']);
  } finally {
    removeDir(dir);
  }
});

test('JC502: throw-away values inside a CI-only block (`if "GHACTIONS" in os.environ:`) are not findings; the same literal outside is', async () => {
  const settings = (ci: boolean): string => `import os\n${ci ? 'if "GHACTIONS" in os.environ:\n    ' : ''}SECRET_KEY = "k3J9xQ2mVb7LpZ8wR4tN6yH1"\n`;
  for (const ci of [true, false]) {
    const dir = writeProject({ 'requirements.txt': 'celery[redis]==5.6.3\n', 'proj/__init__.py': '', 'proj/settings.py': settings(ci) });
    try {
      const f = (await runAudit(dir, { select: ['JC502'] })).findings.map((x) => `${x.location.file}:${x.location.line}`);
      assert.deepEqual(f, ci ? [] : ['proj/settings.py:2']);
    } finally {
      removeDir(dir);
    }
  }
});

test('JC502: a random literal as the default of an env lookup or a compose ${VAR:-…} fallback is a committed secret; placeholders and dev files are not', async () => {
  const f = await findings('secrets-env-defaults', 'JC502');
  assert.deepEqual(f.map((x) => `${x.where} ${x.severity}`).sort(), [
    'docker-compose.yml:6 warning', 'docker-compose.yml:7 error', 'proj/settings/base.py:12 warning', 'proj/settings/base.py:14 warning', 'proj/settings/base.py:9 warning',
  ]);
  assert.equal(f.find((x) => x.where === 'proj/settings/base.py:9')!.message, '`SECRET_KEY` falls back to a literal secret — as the default of the environment lookup of `DJANGO_SECRET_KEY`, used whenever the variable is unset');
  assert.equal(f.find((x) => x.where === 'docker-compose.yml:6')!.message, 'service `worker`: `SECRET_KEY` falls back to a literal secret — as the fallback of `${SECRET_KEY:-…}`, used whenever the variable is unset');
  assert.equal(f.find((x) => x.where === 'docker-compose.yml:7')!.message, 'service `worker`: `APP_SIGNING_KEY` is set to a literal key (a 32-character random token)');
  // never the value itself
  for (const secret of ['2oHYd70ax4VW', 'Zgf474iXDsPj', '31fcca12008b', 'kP3vX9qL2mN7', '1ffe98251f50']) assert.ok(!JSON.stringify(f).includes(secret), secret);
  assert.deepEqual(await findings('secrets-env-defaults-clean', 'JC502'), []);
});
