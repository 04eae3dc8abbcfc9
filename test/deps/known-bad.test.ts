// Known-bad releases: one test per entry of src/knowledge/data/known-bad.json -- a project whose pin
// lands on the release in the setup it breaks is reported (JC308), and its twin (the fixed release,
// or the setup absent) is not. Every entry has a test here (the last test checks that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/engine/audit.js';
import { loadKnownBad } from '../../src/deps/known-bad.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { removeDir, repoRoot, writeProject } from '../support/fixtures.js';

const REDIS_APP = "from celery import Celery\napp = Celery('proj', broker='redis://localhost:6379/0')\n";
const SQS_APP = "from celery import Celery\napp = Celery('proj', broker='sqs://')\n";
const DJANGO_APP = "import os\nfrom celery import Celery\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\napp = Celery('proj')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n";
const DJANGO_SETTINGS = "CELERY_BROKER_URL = 'redis://localhost:6379/0'\n";

interface Case { id: string; bad: Record<string, string>; good: Record<string, string>; expect: RegExp }

const CASES: Case[] = [
  {
    id: 'celery-5.6.1-django-worker-recursion',
    bad: { 'requirements.txt': 'celery[redis]==5.6.1\ndjango==5.2.1\n', 'proj/celery.py': DJANGO_APP, 'proj/settings.py': DJANGO_SETTINGS },
    // the same pin without Django: the fixup never runs
    good: { 'requirements.txt': 'celery[redis]==5.6.1\n', 'proj/celery.py': REDIS_APP },
    expect: /celery 5\.6\.1 is known to break for Django projects.*RecursionError/,
  },
  {
    id: 'celery-5.6-billiard-4.3-macos-spawn',
    bad: { 'requirements.txt': 'celery==5.6.3\nbilliard==4.3.2\nkombu==5.6.2\n', 'proj/celery.py': REDIS_APP },
    good: { 'requirements.txt': 'celery==5.6.3\nbilliard==4.2.4\nkombu==5.6.2\n', 'proj/celery.py': REDIS_APP },
    expect: /celery 5\.6\.3 with billiard 4\.3\.2 \(requirements\.txt:2\) is known to break if workers run on macOS/,
  },
  {
    id: 'kombu-5.5-sqs-urllib3',
    bad: { 'requirements.txt': 'celery[sqs]==5.5.3\nkombu==5.5.4\n', 'proj/celery.py': SQS_APP },
    good: { 'requirements.txt': 'celery[sqs]==5.5.3\nkombu==5.5.4\n', 'proj/celery.py': REDIS_APP },
    expect: /kombu 5\.5\.4 is known to break for Amazon SQS broker/,
  },
  {
    id: 'kombu-5.5-pooled-connection-clone',
    bad: { 'requirements.txt': 'celery==5.5.3\nkombu==5.5.4\n', 'proj/celery.py': `${REDIS_APP}\n\ndef listen():\n    with app.pool.acquire(block=True) as conn:\n        return conn.clone()\n` },
    // a .clone() of something else (saleor: HTTPClient.clone() in a test) is not a pooled connection
    good: { 'requirements.txt': 'celery==5.5.3\nkombu==5.5.4\n', 'proj/celery.py': `${REDIS_APP}\n\ndef client():\n    return HTTPClient.clone()\n` },
    expect: /missing 1 required positional argument: 'pool'/,
  },
  {
    id: 'django-celery-beat-2.8.0-crontab-timezone',
    bad: { 'requirements.txt': 'celery[redis]==5.5.3\ndjango-celery-beat==2.8.0\n', 'proj/celery.py': REDIS_APP },
    good: { 'requirements.txt': 'celery[redis]==5.5.3\ndjango-celery-beat==2.8.1\n', 'proj/celery.py': REDIS_APP },
    expect: /django-celery-beat 2\.8\.0 is known to break .*crontab/,
  },
  {
    id: 'celery-3.1-5.2.0-legacy-metadata-pip-24.1',
    bad: { 'requirements.txt': 'celery[redis]==5.2.0\n', 'proj/celery.py': REDIS_APP },
    good: { 'requirements.txt': 'celery[redis]==5.2.1\n', 'proj/celery.py': REDIS_APP },
    expect: /celery 5\.2\.0 is known to break for installs with pip 24\.1 or newer.*invalid metadata/,
  },
  {
    // the 4.x line carries the same `pytz (>dev)` (celery 4.4.6/4.4.7 wheels, docs/evidence/celery-pytz-dev-metadata.txt)
    id: 'celery-3.1-5.2.0-legacy-metadata-pip-24.1',
    bad: { 'requirements.txt': 'celery==4.4.6\n', 'proj/celery.py': REDIS_APP },
    good: { 'requirements.txt': 'celery==3.1.11\n', 'proj/celery.py': REDIS_APP },
    expect: /celery 4\.4\.6 is known to break for installs with pip 24\.1 or newer.*invalid metadata/,
  },
  {
    // a Python 3.8 image that upgrades pip is hit; the twin, a Python 3.5 image, keeps a pip < 24.1 (pip 24.1 needs 3.8) that installs it
    id: 'celery-3.1-5.2.0-legacy-metadata-pip-24.1',
    bad: { 'requirements.txt': 'celery==4.2.1\n', 'Dockerfile': 'FROM python:3.8-slim\nCOPY requirements.txt .\nRUN pip install --upgrade pip && pip install -r requirements.txt\n', 'proj/celery.py': REDIS_APP },
    good: { 'requirements.txt': 'celery==4.2.1\n', 'Dockerfile': 'FROM python:3.5-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n', 'proj/celery.py': REDIS_APP },
    expect: /celery 4\.2\.1 is known to break for installs with pip 24\.1 or newer/,
  },
  {
    // the same pin built in a python:3.11 image that installs with the image's own (older) pip: no break
    id: 'celery-3.1-5.2.0-legacy-metadata-pip-24.1',
    bad: { 'requirements.txt': 'celery[redis]==5.2.0\n', 'proj/celery.py': REDIS_APP, Dockerfile: 'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n' },
    good: { 'requirements.txt': 'celery[redis]==5.2.0\n', 'proj/celery.py': REDIS_APP, Dockerfile: 'FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n' },
    expect: /celery 5\.2\.0 is known to break for installs with pip 24\.1 or newer/,
  },
];

async function jc308(files: Record<string, string>): Promise<string[]> {
  const dir = writeProject(files, 'jobctl-knownbad-');
  try {
    const r = await runAudit(dir, { select: ['JC308'] });
    return r.findings.filter((f) => f.ruleId === 'JC308').map((f) => `${f.location.file}:${f.location.line} ${f.message}`);
  } finally {
    removeDir(dir);
  }
}

for (const c of CASES) {
  test(`known-bad ${c.id} (${Object.values(c.bad)[0]!.split('\n')[0]}): the pin in its setup is reported, the twin is not`, async () => {
    const bad = await jc308(c.bad);
    assert.equal(bad.length, 1, bad.join('\n'));
    assert.match(bad[0]!, c.expect);
    assert.deepEqual(await jc308(c.good), []);
  });
}

test('known-bad kombu-5.5-pooled-connection-clone: kombu 5.4 with the same code is not reported', async () => {
  assert.deepEqual(await jc308({ 'requirements.txt': 'celery==5.4.0\nkombu==5.4.2\n', 'proj/celery.py': `${REDIS_APP}\n\ndef listen():\n    with app.pool.acquire(block=True) as conn:\n        return conn.clone()\n` }), []);
});

test('every known-bad entry has a test and a public source', () => {
  const ids = loadKnownBad().map((e) => e.id).sort();
  assert.deepEqual([...new Set(CASES.map((c) => c.id))].sort(), ids);
  for (const e of loadKnownBad()) {
    assert.ok(e.sources.length > 0 && e.sources.every((s) => /^https:\/\/|^[a-z-]+@v[\d.]+:/.test(s.ref)), `${e.id}: public sources only`);
    assert.doesNotMatch(JSON.stringify(e), /shared\//);
  }
});

// the kombu entry reproduced on the real releases (the runtime tests' shared venvs): kombu 5.7.0 raises, kombu 5.3 does not
test('known-bad kombu-5.5-pooled-connection-clone: reproduced on kombu 5.7.0, absent on kombu 5.3', (t) => {
  const venvs = path.join(repoRoot, '.cache', 'venvs');
  const bad = path.join(venvs, 'celery-5.7.0', 'bin', 'python');
  const good = path.join(venvs, 'celery-5.3.6', 'bin', 'python');
  if (!existsSync(bad) || !existsSync(good)) {
    t.skip('needs the shared venvs (node scripts/ensure-venvs.mjs)');
    return;
  }
  const code = "from kombu import Connection\nc = Connection('memory://').Pool(1).acquire()\nc.clone()\nimport kombu; print(kombu.__version__)\n";
  const r1 = spawnSync(bad, ['-c', code], { encoding: 'utf8' });
  assert.notEqual(r1.status, 0);
  assert.match(r1.stderr, /TypeError: PooledConnection\.__init__\(\) missing 1 required positional argument: 'pool'/);
  const r2 = spawnSync(good, ['-c', code], { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /^5\.3\./);
});
