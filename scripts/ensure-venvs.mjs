#!/usr/bin/env node
// Creates the cached Celery virtualenvs the runtime tests (and `jobctl smoke-test` developers) use:
//   .cache/venvs/celery-<version>/  (python -m venv; pip install "celery[redis]==<version>")
// Idempotent: a venv is reused when its marker file says the install finished. Progress -> stderr.
// Usage: node scripts/ensure-venvs.mjs [version ...]   (default: the versions in DEFAULT_VERSIONS)
// Prints one JSON line per venv on stdout: {"version","python","dir"} so callers can find the interpreter.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';

// 5.3.6: the last 5.3 (many teams upgrade from 5.3.x); 5.7.0: newest on PyPI when written (2026-11).
// 4.4.7 and 5.2.7: the runtime commands' old-Celery paths (Celery 4 CLI, ETA fractions); 5.7.0-apps: the
// fixture apps shaped like real projects (Django, Flask, gevent).
export const DEFAULT_VERSIONS = ['5.3.6', '5.7.0', '4.4.7', '5.2.7', '5.7.0-apps'];

// Pins that make an old line install the way it did when it was current. Found by jobctl smoke-test
// itself: `pip install "celery[redis]==5.3.6"` today resolves kombu 5.7.0 (celery 5.3.6 allows
// kombu>=5.3.4,<6), whose transport/redis.py imports `packaging`, declared only in kombu's own
// `redis` extra (kombu-5.7.0 METADATA) which celery 5.3.6's `redis` extra does not request, so the
// worker dies with "No module named 'packaging'". Keep kombu on the 5.3 line, as 5.3.6 users have it.
// 5.0.5 (the last 5.0 on PyPI that is not yanked; 5.0.6 is): kombu/redis-py of its time -- kombu 5.7's Redis
// transport imports `packaging`, which 5.0.5 does not request. 5.2.7 the same way (it allows kombu>=5.2.3,<6).
const EXTRA_PINS = { '5.3.6': ['kombu>=5.3.4,<5.4'], '5.0.5': ['kombu>=5.0.2,<5.1', 'redis>=3.2,<4'], '5.2.7': ['kombu>=5.2.3,<5.3'] };

// Old lines need an old interpreter and an old pip: releases before 5.1 do not import on Python 3.11 (4.4.7:
// `inspect.getargspec`) and pip >= 24.1 refuses the metadata of 4.4.7 and 5.0.5/5.0.6 (invalid `pytz (>dev)`
// specifier); 5.2 predates 3.11 support. Only interpreters already on the machine are used (pyenv shims
// included), never a download.
// pyenv's shims only run the versions pyenv has made active, so the installed interpreters are tried by path too
const PYENV_ROOT = process.env.PYENV_ROOT ?? path.join(process.env.HOME ?? '/root', '.pyenv');
const pyenvPythons = (minor) => {
  try {
    return readdirSync(path.join(PYENV_ROOT, 'versions')).filter((v) => v.startsWith(`${minor}.`)).sort().reverse().map((v) => path.join(PYENV_ROOT, 'versions', v, 'bin', `python${minor}`));
  } catch {
    return [];
  }
};
const OLD_PYTHONS = ['3.10', '3.9', '3.8'].flatMap((m) => [`python${m}`, ...pyenvPythons(m)]);
function isLegacy(version) {
  const [major, minor] = version.split('.').map(Number);
  return major < 5 || (major === 5 && minor < 1);
}
function oldPythons(version) {
  if (isLegacy(version)) return [process.env.JOBCTL_LEGACY_PYTHON, ...OLD_PYTHONS].filter(Boolean);
  return version === '5.2.7' ? OLD_PYTHONS : null;
}

// Named variants: Celery plus what the fixture apps shaped like real projects import (Django,
// Flask, gevent for the gevent pool). `node scripts/ensure-venvs.mjs 5.7.0-apps`.
// 5.6.3-django: the last release before 5.7 changed how old names under namespace='CELERY' resolve, with the
// Django that `config_from_object('django.conf:settings', namespace='CELERY')` loads (test/audit, on demand).
const VARIANTS = { '5.7.0-apps': ['celery[redis]==5.7.0', 'django', 'flask', 'gevent'], '5.6.3-django': ['celery[redis]==5.6.3', 'django==5.2.19'] };

function requirements(version) {
  if (VARIANTS[version]) return VARIANTS[version];
  return [`celery[redis]==${version}`, ...(EXTRA_PINS[version] ?? [])];
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const venvRoot = path.join(root, '.cache', 'venvs');
const log = (msg) => process.stderr.write(`[ensure-venvs] ${msg}\n`);

/** A Python 3.11 interpreter when there is one (Celery 5.3 .. 5.7 all support it), else python3. */
function basePython(version) {
  const candidates = oldPythons(version) ?? [process.env.JOBCTL_VENV_PYTHON, 'python3.11', 'python3', 'python'].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import sys, venv; print(sys.version_info[:2] >= (3, 8))'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'True') return c;
  }
  return null;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function ensureVenv(version) {
  if (!/^\d+\.\d+\.\d+$/.test(version) && !VARIANTS[version]) throw new Error(`not a Celery version: ${version}`);
  const dir = path.join(venvRoot, `celery-${version}`);
  const python = path.join(dir, 'bin', 'python');
  const marker = path.join(dir, '.jobctl-ready');
  const want = requirements(version).join(' ');
  const ready = () => existsSync(marker) && existsSync(python) && readFileSync(marker, 'utf8').trim() === want;
  if (ready()) return { version, python, dir };
  mkdirSync(venvRoot, { recursive: true });
  // A lock directory: two test processes (or CI + a developer) must not pip into the same venv at once.
  const lock = `${dir}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (ready()) return { version, python, dir };
      // a lock older than 10 minutes is from a killed run
      try { if (Date.now() - statSync(lock).mtimeMs > 600_000) { rmSync(lock, { recursive: true, force: true }); continue; } } catch { continue; }
      if (Date.now() - started > 600_000) throw new Error(`timed out waiting for ${lock}`);
      sleep(1000);
    }
  }
  try {
    if (ready()) return { version, python, dir };
    const base = basePython(version);
    if (!base) throw new Error(oldPythons(version) ? `celery ${version} needs one of ${oldPythons(version).join(', ')} (with the venv module) on PATH` : 'no Python 3 interpreter with the venv module found (install python3 and python3-venv)');
    rmSync(dir, { recursive: true, force: true });
    log(`creating ${path.relative(root, dir)} with ${base}`);
    run(base, ['-m', 'venv', dir]);
    if (isLegacy(version)) run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', 'pip<24.1']);
    log(`pip install ${want} (this takes a minute the first time)`);
    run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...requirements(version)]);
    const check = spawnSync(python, ['-c', 'import celery, kombu, redis; print(celery.__version__)'], { encoding: 'utf8' });
    if (check.status !== 0 || check.stdout.trim() !== version.split('-')[0]) throw new Error(`celery ${version} did not import in ${dir}: ${check.stderr.trim().split('\n').pop()}`);
    writeFileSync(marker, `${want}\n`);
    log(`ready: ${path.relative(root, dir)} (celery ${version})`);
    return { version, python, dir };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const versions = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_VERSIONS;
  let failed = false;
  for (const v of versions) {
    try {
      process.stdout.write(`${JSON.stringify(ensureVenv(v))}\n`);
    } catch (err) {
      failed = true;
      log(`celery ${v}: ${err.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
