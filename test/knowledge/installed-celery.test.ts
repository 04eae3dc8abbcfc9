// Checks the shipped data against an installed Celery where one is available: imports
// celery.app.defaults in a real interpreter (with scripts/gen-release-data/dump_defaults.py, the same
// dumper the generator uses) and compares settings, defaults and _TO_NEW_KEY for that release.
// Interpreters used: $JOBCTL_TEST_PYTHON, else every .cache/venvs/celery-*/bin/python (created by the
// runtime test set-up); if there is none, one venv is created for the newest release under
// .cache/venvs/celery-<newest> (one `pip install celery==<newest>`, needs PyPI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadKnowledge, oldToNewIn } from '../../src/knowledge/index.js';
import type { ReleaseFacts } from '../../src/knowledge/types.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dumper = join(root, 'scripts', 'gen-release-data', 'dump_defaults.py');
const k = loadKnowledge();

interface Dump {
  celeryVersion: string;
  settings: Record<string, { default: string; type: string; oldNames: string[]; deprecateBy?: string; removeBy?: string }>;
  toNewKey: Record<string, string>;
}

function interpreters(): string[] {
  if (process.env.JOBCTL_TEST_PYTHON) return [process.env.JOBCTL_TEST_PYTHON];
  const venvs = join(root, '.cache', 'venvs');
  const found = existsSync(venvs)
    ? readdirSync(venvs)
        .filter((d) => d.startsWith('celery-'))
        .map((d) => join(venvs, d, 'bin', 'python'))
        .filter((p) => existsSync(p))
    : [];
  if (found.length) return found;
  const dir = join(venvs, `celery-${k.newestVersion}`);
  mkdirSync(venvs, { recursive: true });
  execFileSync('python3', ['-m', 'venv', dir], { stdio: 'pipe', timeout: 120_000 });
  const py = join(dir, 'bin', 'python');
  execFileSync(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `celery==${k.newestVersion}`], {
    stdio: 'pipe',
    timeout: 600_000,
  });
  return [py];
}

function dump(python: string): Dump | null {
  try {
    const out = execFileSync(python, [dumper], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONHASHSEED: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out) as Dump;
  } catch (e) {
    const err = e as { stderr?: Buffer | string };
    // a venv without celery (e.g. a different runtime fixture) is not this test's business
    if (String(err.stderr ?? '').includes("No module named 'celery'")) return null;
    throw e;
  }
}

test('shipped data matches celery.app.defaults of an installed Celery', { timeout: 900_000 }, () => {
  let checked = 0;
  for (const python of interpreters()) {
    const d = dump(python);
    if (!d) continue;
    if (!/^\d+\.\d+\.\d+$/.test(d.celeryVersion)) continue; // pre-releases are not in the data
    const release: ReleaseFacts | null = k.releaseFor(d.celeryVersion);
    if (!release || release.version !== d.celeryVersion) {
      assert.fail(`${python}: celery ${d.celeryVersion} is not in the shipped data; run scripts/gen-release-data.py`);
    }
    assert.deepEqual([...release.settings].sort(), Object.keys(d.settings).sort(), `settings of ${d.celeryVersion}`);
    if (release.legacy) {
      // 3.1/4.x (legacy-releases.json) record the names a release reads, not defaults or its _TO_NEW_KEY
      checked++;
      continue;
    }
    for (const [name, opt] of Object.entries(d.settings)) {
      const fact = k.settings.get(name);
      assert.ok(fact, `${name} missing from settings.json`);
      const shipped: string | undefined = release.defaults[name] ?? fact?.default;
      assert.equal(shipped, opt.default, `default of ${name} in ${d.celeryVersion}`);
      if (d.celeryVersion === k.newestVersion) {
        assert.equal(fact.type, opt.type, `type of ${name}`);
        assert.deepEqual(fact.oldNames, opt.oldNames, `old names of ${name}`);
        assert.equal(fact.deprecateBy, opt.deprecateBy, `deprecate_by of ${name}`);
        assert.equal(fact.removeBy, opt.removeBy, `remove_by of ${name}`);
      }
    }
    assert.deepEqual(Object.fromEntries(oldToNewIn(d.celeryVersion)!), d.toNewKey, `_TO_NEW_KEY of ${d.celeryVersion}`);
    checked++;
  }
  assert.ok(checked > 0, 'no interpreter with Celery found or created');
});
