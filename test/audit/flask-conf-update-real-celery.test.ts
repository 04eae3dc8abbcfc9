// conf.update(flask_app.config) on real Celery: every key of the Flask config module that jobctl calls an old-style
// name (JC101) is one Celery applies, every key it calls unknown (JC104) is one Celery ignores, and no key Celery
// applies is called unknown. Celery 4.4.7 (the era of the shape; no Flask in that venv: the probe builds the
// config as Flask's from_object does) and 5.7.0 with Flask (the fixture's own factory runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAudit } from '../../src/engine/audit.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

async function pythonFor(version: string): Promise<string> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ensure-venvs.mjs')).href)) as { ensureVenv(v: string): { python: string } };
  return mod.ensureVenv(version).python;
}

for (const version of ['4.4.7', '5.7.0-apps']) {
  test(`flask-config-prefixed: JC101/JC104 on the Flask config keys match what Celery ${version} does with them`, { timeout: 600_000 }, async () => {
    const dir = checkoutFixture('flask-config-prefixed');
    try {
      const python = await pythonFor(version);
      const out = execFileSync(python, [path.join(repoRoot, 'test', 'audit', 'probe_flask_conf_update.py'), 'config.settings', 'webapp.factory:create_celery_app'], {
        cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', REDIS_URL: 'redis://localhost:6379/0' },
      });
      const probe = JSON.parse(out.trim().split('\n').pop()!) as { flask: boolean; applied: Record<string, boolean> };
      assert.equal(probe.flask, version !== '4.4.7', 'Flask is installed only in the 5.7.0-apps venv');
      const result = await runAudit(dir);
      const lines = readFileSync(path.join(dir, 'config', 'settings.py'), 'utf8').split('\n');
      const keyAt = (line: number): string => /^(\w+)\s*=/.exec(lines[line - 1]!)![1]!;
      const reported = (rule: string): string[] => result.findings.filter((f) => f.ruleId === rule && f.location.file === 'config/settings.py').map((f) => keyAt(f.location.line)).sort();
      const old = reported('JC101');
      const unknown = reported('JC104');
      assert.deepEqual(old, ['BROKER_POOL_LIMIT', 'CELERYD_TASK_TIME_LIMIT', 'CELERY_RESULT_BACKEND', 'CELERY_TASK_SERIALIZER']);
      assert.deepEqual(unknown, ['CELERY_BROKER_POOL_LIMIT', 'CELERY_RESULTS_URL']);
      for (const k of old) assert.equal(probe.applied[k], true, `${k}: jobctl says Celery reads it (old name), Celery ${version} ignores it`);
      for (const k of unknown) assert.equal(probe.applied[k], false, `${k}: jobctl says Celery ignores it, Celery ${version} applies it`);
      // CELERY_BROKER_URL works only because the factory passes it to Celery(broker=…): jobctl must not call it ignored
      assert.equal(probe.applied.CELERY_BROKER_URL, true);
      for (const [k, applied] of Object.entries(probe.applied)) if (applied) assert.ok(!unknown.includes(k), `${k} is applied by Celery ${version}`);
    } finally {
      removeDir(dir);
    }
  });
}
