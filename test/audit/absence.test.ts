// Rules that assert an absence (JC605 no time limit, JC106 retry-on-startup unset) report only when the app's own
// config was read: an unknown is the unknown of *that app's* config (src/rules/lib/fact-state.ts), not of any
// file jobctl skipped. Each case has its twin: the same project with the one difference that makes it unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/engine/audit.js';
import { removeDir, writeProject } from '../support/fixtures.js';

async function findings(files: Record<string, string>, select = ['JC605', 'JC106', 'JC001']): Promise<string[]> {
  const dir = writeProject(files);
  try {
    const r = await runAudit(dir, { select });
    return r.findings.map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`).sort();
  } finally {
    removeDir(dir);
  }
}

const app = {
  'requirements.txt': 'celery[redis]==5.6.2\n',
  'proj/__init__.py': '',
  'proj/celery.py': "from celery import Celery\n\napp = Celery('proj', broker='redis://redis:6379/0')\n",
  'proj/tasks.py': 'from proj.celery import app\n\n\n@app.task\ndef add(x, y):\n    return x + y\n',
};
// just over the 2 MiB a file may have before jobctl skips it
const big = `# recorded\n${'x'.repeat(2 * 1024 * 1024 + 10)}\n`;

test('a skipped test-data file (a 2 MiB cassette under tests/) does not make the app\'s config unknown', async () => {
  assert.deepEqual(await findings({ ...app, 'proj/tests/cassettes/tax_codes.yaml': big }, ['JC605']), ['proj/celery.py:3 JC605']);
});

test('twin: a skipped Python module of the project could hold settings, so JC605 stays silent and JC001 names it', async () => {
  assert.deepEqual(await findings({ ...app, 'proj/generated_conf.py': big }), ['proj/generated_conf.py:1 JC001']);
});

const candidates = (extra: string): Record<string, string> => ({
  'requirements.txt': 'celery[redis]==5.6.2\n',
  'svc/__init__.py': '',
  'svc/config.py': `import os
${extra}

class Base:
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")


class Dev(Base):
    pass


class Prod(Base):
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1


CONFIGS = {"dev": Dev, "prod": Prod${extra ? ', "vendor": VendorConfig' : ''}}
`,
  'svc/worker.py': `import os

from celery import Celery

from svc.config import CONFIGS

app = Celery("svc")
app.config_from_object(CONFIGS[os.environ.get("SVC_ENV", "dev")], namespace="CELERY")


@app.task
def ping():
    return "pong"
`,
});

test('config_from_object(CONFIGS[env]): every class of the dict is a candidate; a key none of them sets is absent, and the finding names them', async () => {
  const dir = writeProject(candidates(''));
  try {
    const r = await runAudit(dir, { select: ['JC605', 'JC001'] });
    assert.deepEqual(r.findings.map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`), ['svc/worker.py:7 JC605']);
    assert.match(r.findings[0]!.message, /in any of its 2 candidate configs \(Dev \('dev'\); Prod \('prod'\)\)/);
  } finally {
    removeDir(dir);
  }
});

test('twin: one candidate is a class from an installed package: it is unread (JC001) and JC605 stays silent', async () => {
  assert.deepEqual(await findings(candidates('from vendor_settings import VendorConfig\n'), ['JC605', 'JC001']), ['svc/worker.py:8 JC001']);
});

const templatedCompose = (flagSomewhere: boolean): Record<string, string> => ({
  ...app,
  'docker-compose.yml': 'services:\n  worker:\n    build: .\n    command: celery --app={{project_name}} worker -l info -c 2\n',
  // not a worker command of its own: a value some command line may expand
  ...(flagSomewhere ? { '.env': 'WORKER_ARGS=--time-limit=300\n' } : {}),
});

test('an unread worker command (templated app name) cannot set task_time_limit when no file spells --time-limit', async () => {
  assert.deepEqual(await findings(templatedCompose(false), ['JC605']), ['proj/celery.py:3 JC605']);
});

test('twin: the project passes --time-limit somewhere, so the unread command might too: JC605 stays silent', async () => {
  assert.deepEqual(await findings(templatedCompose(true), ['JC605']), []);
});
