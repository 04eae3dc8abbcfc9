// Advice text that must match what the given Celery version does (sources in each rule's meta).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/engine/audit.js';
import { removeDir, writeProject } from '../support/fixtures.js';

const djangoOld = (source: string): Record<string, string> => ({
  'requirements.txt': 'celery[redis]==5.6.3\n',
  'proj/__init__.py': '',
  'proj/celery.py': `from celery import Celery\n\napp = Celery('proj')\napp.config_from_object(${source})\n`,
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
  [source.includes('django') ? 'proj/settings.py' : 'proj/celeryconfig.py']: 'CELERYD_CONCURRENCY = 4\nCELERY_ACKS_LATE = True\n',
});

test("JC101: no deprecation-warning claim when the config source is 'django.conf:settings'; the claim stays for other sources", async () => {
  for (const [source, warns] of [["'django.conf:settings'", false], ["'proj.celeryconfig'", true]] as const) {
    const dir = writeProject(djangoOld(source));
    try {
      const f = (await runAudit(dir)).findings.filter((x) => x.ruleId === 'JC101');
      assert.ok(f.length > 0, `JC101 for ${source}`);
      for (const x of f) {
        if (warns) assert.match(x.message, /with a deprecation warning until 6\.0/);
        else assert.match(x.message, /prints no deprecation warning .*'django\.conf:settings'/);
      }
    } finally {
      removeDir(dir);
    }
  }
});

test("JC106 on 5.5+: the hint is Celery's own (set broker_connection_retry_on_startup to False), never True", async () => {
  const dir = writeProject({
    'requirements.txt': 'celery[redis]==5.6.3\n',
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\n\napp = Celery('proj', broker='redis://redis:6379/0')\napp.conf.broker_connection_retry = False\n",
  });
  try {
    const on56 = (await runAudit(dir)).findings.find((x) => x.ruleId === 'JC106');
    assert.ok(on56, 'JC106 fires on 5.6.3 when broker_connection_retry is False');
    assert.match(on56.hint ?? '', /= False/);
    assert.doesNotMatch(on56.hint ?? '', /= True/);
    const on54 = (await runAudit(dir, { target: '5.4.0' })).findings.find((x) => x.ruleId === 'JC106');
    assert.match(on54?.hint ?? '', /= False \(the value of broker_connection_retry/);
  } finally {
    removeDir(dir);
  }
});

test('JC502: a URL whose password equals its user name masks both; the literal appears in no message', async () => {
  const dir = writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\n\napp = Celery('proj', broker='amqp://orderbot:orderbot@rabbit:5672//')\n",
  });
  try {
    const f = (await runAudit(dir)).findings.filter((x) => x.ruleId === 'JC502');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /amqp:\/\/\*\*\*\*:\*\*\*\*@rabbit/);
    assert.doesNotMatch(JSON.stringify(f), /orderbot/);
  } finally {
    removeDir(dir);
  }
});
