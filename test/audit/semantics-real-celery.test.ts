// Version-exact advice, checked against the real Celery releases it is about (venvs .cache/venvs/celery-<v>,
// created by scripts/ensure-venvs.mjs): what jobctl says about a key must be what that Celery does with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAudit } from '../../src/engine/audit.js';
import { planUpgrade } from '../../src/plan/index.js';
import { removeDir, repoRoot, writeProject } from '../support/fixtures.js';

const pythons = new Map<string, string>();
async function pythonFor(version: string): Promise<string> {
  const hit = pythons.get(version);
  if (hit) return hit;
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ensure-venvs.mjs')).href)) as { ensureVenv(v: string): { python: string } };
  const python = mod.ensureVenv(version).python;
  pythons.set(version, python);
  return python;
}

const NS_CONFIG = [
  'CELERY_ALWAYS_EAGER = True',
  'CELERYD_CONCURRENCY = 4',
  "BROKER_URL = 'memory://probe'",
  'CELERY_CELERYD_PREFETCH_MULTIPLIER = 9',
  'CELERY_ACKS_LATE = True',
  'CELERY_TASK_ACKS_LATE = False',
  '',
].join('\n');
// key as written -> the setting Celery reads it as, and the value it has when Celery applies the key
const KEYS: Record<string, { setting: string; applied: string }> = {
  CELERY_ALWAYS_EAGER: { setting: 'task_always_eager', applied: 'True' },
  CELERYD_CONCURRENCY: { setting: 'worker_concurrency', applied: '4' },
  BROKER_URL: { setting: 'broker_url', applied: "'memory://probe'" },
  CELERY_CELERYD_PREFETCH_MULTIPLIER: { setting: 'worker_prefetch_multiplier', applied: '9' },
  CELERY_ACKS_LATE: { setting: 'task_acks_late', applied: 'True' },
};

// Two shapes of the same config: a plain module, and a Django settings module loaded through
// `config_from_object('django.conf:settings', namespace='CELERY')` (Django from PyPI in the venv).
interface Shape { name: string; files: Record<string, string>; source: string; env: Record<string, string>; venv(version: string): string }
const SHAPES: Shape[] = [
  {
    name: 'module',
    files: { 'proj/celery.py': "from celery import Celery\n\napp = Celery('proj')\napp.config_from_object('nscfg', namespace='CELERY')\n", 'nscfg.py': NS_CONFIG },
    source: 'nscfg',
    env: {},
    venv: (v) => v,
  },
  {
    name: 'Django settings',
    files: {
      'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
      'proj/settings.py': `SECRET_KEY = 'probe-not-a-secret'\nINSTALLED_APPS = []\n${NS_CONFIG}`,
      'proj/celery.py': "import os\n\nfrom celery import Celery\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n\napp = Celery('proj')\napp.config_from_object('django.conf:settings', namespace='CELERY')\napp.autodiscover_tasks()\n",
    },
    source: 'django.conf:settings',
    env: { DJANGO_SETTINGS_MODULE: 'proj.settings' },
    // scripts/ensure-venvs.mjs variants with Django: 5.6.3-django, 5.7.0-apps
    venv: (v) => (v === '5.7.0' ? '5.7.0-apps' : `${v}-django`),
  },
];

function nsProject(pin: string, shape: Shape): string {
  return writeProject({
    'requirements.txt': `celery[redis]==${pin}\n${shape.name === 'module' ? '' : 'django==5.2.19\n'}`,
    'proj/__init__.py': '',
    ...shape.files,
  }, 'jobctl-ns-');
}

for (const shape of SHAPES) for (const [current, target] of [['5.6.3', '5.6.3'], ['5.6.3', '5.7.0'], ['5.7.0', '5.7.0']] as const) {
  test(`JC103 on ${current} -> ${target} (${shape.name}): each namespaced old key is reported the way real Celery ${current} and ${target} treat it`, { timeout: 600_000 }, async () => {
    const dir = nsProject(current, shape);
    try {
      const probe = (version: string): Record<string, string> => {
        const out = execFileSync(pythons.get(shape.venv(version))!, [path.join(repoRoot, 'test', 'audit', 'probe_namespace.py'), shape.source, Object.values(KEYS).map((k) => k.setting).join(',')], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...shape.env, PYTHONDONTWRITEBYTECODE: '1' } });
        const parsed = JSON.parse(out.trim().split('\n').pop()!) as { celery: string; values: Record<string, string> };
        assert.equal(parsed.celery, version, `the probe ran Celery ${version}`);
        return parsed.values;
      };
      for (const v of new Set([current, target])) await pythonFor(shape.venv(v));
      const now = probe(current);
      const after = probe(target);
      const result = await runAudit(dir, { target });
      const jc103 = new Map(result.findings.filter((f) => f.ruleId === 'JC103').map((f) => [f.message.match(/^`([A-Z_]+)`/)![1]!, f]));
      for (const [key, { setting, applied }] of Object.entries(KEYS)) {
        const f = jc103.get(key);
        assert.ok(f, `JC103 reports ${key}`);
        const appliedNow = now[setting] === applied;
        const appliedAfter = after[setting] === applied;
        if (appliedNow) {
          assert.match(f.message, /is applied by Celery/, `${key}: Celery ${current} applies it (${setting}=${now[setting]})`);
        } else if (appliedAfter) {
          assert.match(f.message, new RegExp(`ignored today .*becomes active on the upgrade to ${target.replace(/\./g, '\\.')}, with value`), `${key}: dormant on ${current}, active on ${target}`);
          assert.equal(f.severity, 'error');
          assert.doesNotMatch(f.hint ?? '', /^rename/, 'a dormant key is not advice to rename it');
        } else {
          assert.match(f.message, /ignored on every Celery version|is never read|is ignored today/, `${key}: ignored by ${current} and ${target} (${setting}=${after[setting]})`);
          assert.doesNotMatch(f.message, /becomes active|is applied by/);
        }
      }
      // the upgrade plan says the same, per target: never "rename it so that it takes effect"
      if (current !== target) {
        const plan = await planUpgrade(dir, { to: target });
        const edit = plan.manualEdits.find((m) => m.title.includes('CELERY_ALWAYS_EAGER'));
        assert.ok(edit, 'the plan lists CELERY_ALWAYS_EAGER');
        if (after.task_always_eager === 'True') assert.match(`${edit.title} ${edit.why}`, /becomes active on the upgrade to/);
        assert.doesNotMatch(edit.why, /Renaming it makes Celery apply/);
        assert.match(edit.suggestion, /delete `CELERY_ALWAYS_EAGER`/);
      }
      // the evidence behind the rule, so that this test cannot pass against a Celery that behaves otherwise
      if (target === '5.7.0') assert.equal(after.task_always_eager, 'True', 'Celery 5.7.0 applies CELERY_ALWAYS_EAGER under the namespace');
      if (current === '5.6.3') assert.equal(now.task_always_eager, 'False', 'Celery 5.6.3 ignores CELERY_ALWAYS_EAGER under the namespace');
    } finally {
      removeDir(dir);
    }
  });
}

for (const target of ['5.6.3', '5.7.0']) {
  test(`JC604 on ${target}: says a global soft > hard limit makes apply_async raise exactly when real Celery ${target} raises`, { timeout: 600_000 }, async () => {
    const python = await pythonFor(target);
    const out = execFileSync(python, [path.join(repoRoot, 'test', 'audit', 'probe_time_limits.py'), '5', '2'], { encoding: 'utf8', timeout: 120_000 });
    const probe = JSON.parse(out.trim().split('\n').pop()!) as { raised: string | null };
    const dir = writeProject({
      'requirements.txt': `celery[redis]==${target}\n`,
      'proj/__init__.py': '',
      'proj/celery.py': "from celery import Celery\n\napp = Celery('proj')\napp.conf.task_soft_time_limit = 5\napp.conf.task_time_limit = 2\n\n\n@app.task\ndef add(a, b):\n    return a + b\n",
    }, 'jobctl-tl-');
    try {
      const f = (await runAudit(dir, { target })).findings.find((x) => x.ruleId === 'JC604');
      assert.ok(f, 'JC604 reports the global limits');
      assert.match(f.message, /soft limit fires first/);
      assert.doesNotMatch(f.message, /hard limit kills the task before|never fires/);
      assert.equal(/every `\.delay\(\)`\/`apply_async\(\)` raises ValueError/.test(f.message), probe.raised !== null && probe.raised.startsWith('ValueError'), `Celery ${target}: ${probe.raised ?? 'no error'}; jobctl: ${f.message}`);
      if (target === '5.7.0') assert.ok(probe.raised, 'Celery 5.7.0 raises on a global soft > hard limit');
      if (target === '5.6.3') assert.equal(probe.raised, null, 'Celery 5.6.3 does not check global limits');
    } finally {
      removeDir(dir);
    }
  });
}
