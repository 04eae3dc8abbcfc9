// .pre-commit-hooks.yaml: the structure pre-commit validates (pre_commit/clientlib.py MANIFEST_HOOK_DICT),
// the `files` pattern as Python's `re` reads it, and a real `pre-commit run` of this checkout's hook
// against a fixture repository (pre-commit from PyPI, cached under .cache/; skipped, with the reason,
// when it cannot be installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

interface Hook { id: string; name: string; entry: string; args?: string[]; language: string; files?: string; pass_filenames?: boolean; require_serial?: boolean; minimum_pre_commit_version?: string; description?: string }
const hooks = YAML.parse(readFileSync(path.join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
const LANGUAGES = ['conda', 'coursier', 'dart', 'docker', 'docker_image', 'dotnet', 'fail', 'golang', 'haskell', 'julia', 'lua', 'node', 'perl', 'pygrep', 'python', 'r', 'ruby', 'rust', 'swift', 'unsupported', 'unsupported_script'];

test('.pre-commit-hooks.yaml: a list of hooks with the keys pre-commit requires', () => {
  assert.ok(Array.isArray(hooks));
  const hook = hooks.find((h) => h.id === 'jobctl-audit');
  assert.ok(hook, 'hook id jobctl-audit');
  for (const key of ['id', 'name', 'entry', 'language'] as const) assert.equal(typeof hook[key], 'string', `${key} is required`);
  assert.ok(LANGUAGES.includes(hook.language) || hook.language === 'script' || hook.language === 'system', `language ${hook.language}`);
  assert.equal(hook.pass_filenames ?? true, true, 'filenames are passed so only their findings fail the hook');
  // `script`: entry is a file of this repository, executable, and it runs the audit
  assert.equal(hook.language, 'script');
  const entry = path.join(repoRoot, hook.entry.split(' ')[0]!);
  assert.ok(existsSync(entry), `${hook.entry} exists`);
  assert.ok((statSync(entry).mode & 0o111) !== 0, `${hook.entry} is executable`);
  assert.match(readFileSync(entry, 'utf8'), /bin\/run\.js" audit "\$@"/);
  assert.deepEqual(hook.args, ['.'], 'the project folder comes first; pre-commit appends the files after it');
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

/**
 * pre-commit from PyPI in a cached venv; null (with the reason) when it cannot be installed. The venv is built
 * under a temp name and moved into place, so its console scripts' shebangs name the temp path: it is run as
 * `<venv>/bin/python -m pre_commit`, which does not depend on where the venv was built.
 */
function preCommit(): { bin: string } | { skip: string } {
  const venv = path.join(repoRoot, '.cache', 'pre-commit-venv');
  const bin = path.join(venv, 'bin', 'python');
  const ok = (): boolean => existsSync(path.join(venv, 'bin', 'pre-commit')) && spawnSync(bin, ['-m', 'pre_commit', '--version'], { encoding: 'utf8' }).status === 0;
  if (ok()) return { bin };
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
  return ok() ? { bin } : { skip: 'pre-commit venv could not be moved into place' };
}

/** This checkout as a hook repository pre-commit can clone: the tracked files (as they are in the
 * working tree) committed with fixed dates, so the same content gives the same rev and pre-commit's
 * cache (.cache/pre-commit-home) reuses the built hook across runs. */
function hookRepo(): { repo: string; rev: string } {
  const repo = path.join(repoRoot, '.cache', 'pre-commit-hook-repo');
  removeDir(repo);
  mkdirSync(repo, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter((f) => f && existsSync(path.join(repoRoot, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    copyFileSync(path.join(repoRoot, f), path.join(repo, f));
    chmodSync(path.join(repo, f), statSync(path.join(repoRoot, f)).mode);
  }
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'jobctl hook');
  return { repo, rev: git('rev-parse', 'HEAD').trim() };
}

test('pre-commit: the hook builds from this checkout and fails only on findings in the changed files', { timeout: 900_000 }, (t) => {
  const pc = preCommit();
  if ('skip' in pc) {
    t.diagnostic(`skipped: ${pc.skip}`);
    t.skip(pc.skip);
    return;
  }
  if (spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: repoRoot }).status !== 0) {
    t.skip('this checkout is not a git work tree, so there is no hook repository to install from');
    return;
  }
  const dir = checkoutFixture('legacy-adoption');
  const cleanup = [dir];
  try {
    const { repo, rev } = hookRepo();
    writeFileSync(path.join(dir, '.pre-commit-config.yaml'), `repos:\n  - repo: ${repo}\n    rev: ${rev}\n    hooks:\n      - id: jobctl-audit\n`);
    // the hook runs `node` and `npm` from PATH: put this Node (>= 22) first (Debian's may be older)
    const bin = mkdtempSync(path.join(tmpdir(), 'jobctl-pc-node-'));
    cleanup.push(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, PRE_COMMIT_HOME: path.join(repoRoot, '.cache', 'pre-commit-home'), NO_COLOR: '1' };
    const run = (...files: string[]) => spawnSync(pc.bin, ['-m', 'pre_commit', 'run', 'jobctl-audit', '--color', 'never', '--files', ...files], { cwd: dir, env, encoding: 'utf8', timeout: 840_000 });
    const red = run('celeryconfig.py', 'worker.py');
    assert.equal(red.status, 1, `${red.stdout}\n${red.stderr}`);
    assert.match(red.stdout, /jobctl audit\.+Failed/);
    assert.match(red.stdout, /^celeryconfig\.py$/m);
    assert.match(red.stdout, /JC101 old-setting-name/);
    assert.doesNotMatch(red.stdout, /^(redis\/redis\.conf|requirements\.txt)$/m, 'findings in files not being committed do not fail the hook');
    const green = run('worker.py', 'reports/tasks.py');
    assert.equal(green.status, 0, `${green.stdout}\n${green.stderr}`);
    assert.match(green.stdout, /jobctl audit\.+Passed/);
  } finally {
    for (const d of cleanup) removeDir(d);
  }
});
