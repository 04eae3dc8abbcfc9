// .pre-commit-hooks.yaml: the structure pre-commit validates (pre_commit/clientlib.py MANIFEST_HOOK_DICT),
// the `files` pattern as Python's `re` reads it, and a real `pre-commit try-repo` of this checkout
// against a fixture repository (pre-commit from PyPI, cached under .cache/; skipped, with the reason,
// when it cannot be installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

interface Hook { id: string; name: string; entry: string; language: string; files?: string; pass_filenames?: boolean; require_serial?: boolean; minimum_pre_commit_version?: string; description?: string }
const hooks = YAML.parse(readFileSync(path.join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
const LANGUAGES = ['conda', 'coursier', 'dart', 'docker', 'docker_image', 'dotnet', 'fail', 'golang', 'haskell', 'julia', 'lua', 'node', 'perl', 'pygrep', 'python', 'r', 'ruby', 'rust', 'swift', 'unsupported', 'unsupported_script'];

test('.pre-commit-hooks.yaml: a list of hooks with the keys pre-commit requires', () => {
  assert.ok(Array.isArray(hooks));
  const hook = hooks.find((h) => h.id === 'jobctl-audit');
  assert.ok(hook, 'hook id jobctl-audit');
  for (const key of ['id', 'name', 'entry', 'language'] as const) assert.equal(typeof hook[key], 'string', `${key} is required`);
  assert.ok(LANGUAGES.includes(hook.language));
  assert.equal(hook.language, 'node');
  assert.equal(hook.pass_filenames ?? true, true, 'filenames are passed so only their findings fail the hook');
  // the entry runs this package's bin
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.ok(Object.keys(pkg.bin).includes(hook.entry.split(' ')[0]!));
  assert.match(hook.entry, /^jobctl audit \.$/, 'pre-commit appends the files after the project path');
  if (hook.minimum_pre_commit_version) assert.match(hook.minimum_pre_commit_version, /^\d+\.\d+\.\d+$/);
});

test('.pre-commit-hooks.yaml: `files` (a Python regex, re.search) picks Python, compose, requirements, deploy files and nothing else', () => {
  const hook = hooks.find((h) => h.id === 'jobctl-audit')!;
  const yes = ['proj/celery.py', 'tasks.py', 'stubs/x.pyi', 'docker-compose.yml', 'deploy/compose.prod.yaml', 'requirements.txt', 'requirements/prod.in', 'Dockerfile', 'docker/worker.Dockerfile', 'Procfile', 'pyproject.toml', 'poetry.lock', 'uv.lock', '.env', '.env.production', 'redis/redis.conf', 'deploy/celery-worker.service', 'jobctl.yaml'];
  const no = ['README.md', 'package.json', 'src/index.ts', 'docs/conf.txt', 'envoy.yaml', 'main.pyc'];
  const script = `import re, sys, json\np = re.compile(sys.argv[1])\nprint(json.dumps({f: bool(p.search(f)) for f in sys.argv[2:]}))`;
  const out = JSON.parse(execFileSync('python3', ['-c', script, hook.files!, ...yes, ...no], { encoding: 'utf8' })) as Record<string, boolean>;
  assert.deepEqual(yes.filter((f) => !out[f]), [], 'should match');
  assert.deepEqual(no.filter((f) => out[f]), [], 'should not match');
});

/** pre-commit from PyPI in a cached venv; null (with the reason) when it cannot be installed. */
function preCommit(): { bin: string } | { skip: string } {
  const venv = path.join(repoRoot, '.cache', 'pre-commit-venv');
  const bin = path.join(venv, 'bin', 'pre-commit');
  if (existsSync(bin)) return { bin };
  mkdirSync(path.dirname(venv), { recursive: true });
  const tmp = `${venv}.tmp-${process.pid}`;
  const mk = spawnSync('python3', ['-m', 'venv', tmp], { encoding: 'utf8', timeout: 60_000 });
  if (mk.status !== 0) return { skip: `python3 -m venv failed: ${(mk.stderr || '').trim().split('\n').pop()}` };
  const pip = spawnSync(path.join(tmp, 'bin', 'pip'), ['install', '-q', 'pre-commit'], { encoding: 'utf8', timeout: 180_000 });
  if (pip.status !== 0) {
    removeDir(tmp);
    return { skip: `pip install pre-commit failed: ${(pip.stderr || '').trim().split('\n').pop()}` };
  }
  // moved into place whole, so a concurrent run never sees half a venv
  try {
    execFileSync('mv', ['-T', tmp, venv]);
  } catch {
    removeDir(tmp);
  }
  return existsSync(bin) ? { bin } : { skip: 'pre-commit venv could not be moved into place' };
}

test('pre-commit try-repo: the hook installs from this checkout and fails only on findings in the changed files', { timeout: 900_000 }, (t) => {
  const pc = preCommit();
  if ('skip' in pc) {
    t.diagnostic(`skipped: ${pc.skip}`);
    t.skip(pc.skip);
    return;
  }
  const dir = checkoutFixture('legacy-adoption');
  try {
    // pre-commit uses the system Node when `node` is on PATH: put this Node (>= 22) first
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, PRE_COMMIT_HOME: path.join(repoRoot, '.cache', 'pre-commit-home'), NO_COLOR: '1' };
    const run = (...files: string[]) => spawnSync(pc.bin, ['try-repo', repoRoot, 'jobctl-audit', '--color', 'never', '--files', ...files], { cwd: dir, env, encoding: 'utf8', timeout: 840_000 });
    const red = run('celeryconfig.py', 'worker.py');
    assert.equal(red.status, 1, `${red.stdout}\n${red.stderr}`);
    assert.match(red.stdout, /jobctl audit\.+Failed/);
    assert.match(red.stdout, /celeryconfig\.py/);
    assert.match(red.stdout, /JC101 old-setting-name/);
    assert.doesNotMatch(red.stdout, /redis\.conf|requirements\.txt/, 'findings in files not being committed do not fail the hook');
    const green = run('worker.py', 'reports/tasks.py');
    assert.equal(green.status, 0, `${green.stdout}\n${green.stderr}`);
    assert.match(green.stdout, /jobctl audit\.+Passed/);
  } finally {
    removeDir(dir);
  }
});
