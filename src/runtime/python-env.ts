// Find the project's Python interpreter and check that Celery imports in it.
// Order: --python, jobctl config `python`, $VIRTUAL_ENV, .venv, venv, env (uv and most tools use
// .venv), Poetry's env (`poetry env info -p`), then python3 on PATH.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { JobctlError } from '../util/errors.js';

export interface PythonEnv {
  python: string;
  /** where the interpreter was found: 'flag', 'config', 'VIRTUAL_ENV', '.venv', 'poetry', 'PATH' ... */
  source: string;
  pythonVersion: string;
  celeryVersion: string;
  kombuVersion: string | null;
  redisPyVersion: string | null;
}

const PROBE = [
  'import json, sys',
  'out = {"python": sys.version.split()[0]}',
  'try:',
  '    import celery; out["celery"] = celery.__version__',
  'except Exception as e:',
  '    out["error"] = "%s: %s" % (type(e).__name__, e)',
  'for mod in ("kombu", "redis"):',
  '    try:',
  '        m = __import__(mod); out[mod] = getattr(m, "__version__", None)',
  '    except Exception:',
  '        out[mod] = None',
  'print(json.dumps(out))',
].join('\n');

function binPython(venvDir: string): string {
  return process.platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

async function candidates(root: string, explicit: { flag?: string; config?: string }, env: NodeJS.ProcessEnv): Promise<{ python: string; source: string }[]> {
  const out: { python: string; source: string }[] = [];
  if (explicit.flag) return [{ python: path.resolve(explicit.flag), source: '--python' }];
  if (explicit.config) return [{ python: path.resolve(root, explicit.config), source: 'jobctl config `python`' }];
  if (env.VIRTUAL_ENV) out.push({ python: binPython(env.VIRTUAL_ENV), source: 'VIRTUAL_ENV' });
  for (const d of ['.venv', 'venv', 'env']) out.push({ python: binPython(path.join(root, d)), source: d });
  if (existsSync(path.join(root, 'poetry.lock'))) {
    const r = await execa('poetry', ['env', 'info', '-p'], { cwd: root, reject: false, timeout: 10_000 });
    if (r.exitCode === 0 && typeof r.stdout === 'string' && r.stdout.trim()) out.push({ python: binPython(r.stdout.trim()), source: 'poetry' });
  }
  out.push({ python: 'python3', source: 'PATH' });
  return out.filter((c) => c.source === 'PATH' || existsSync(c.python));
}

export async function findPythonEnv(root: string, explicit: { flag?: string; config?: string } = {}, env: NodeJS.ProcessEnv = process.env): Promise<PythonEnv> {
  const list = await candidates(root, explicit, env);
  const tried: string[] = [];
  for (const c of list) {
    const r = await execa(c.python, ['-c', PROBE], { cwd: root, reject: false, timeout: 30_000 });
    if (r.exitCode !== 0 || typeof r.stdout !== 'string') {
      tried.push(`${c.python} (${c.source}): does not run`);
      if (c.source === '--python') break;
      continue;
    }
    const info = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { python: string; celery?: string; error?: string; kombu?: string | null; redis?: string | null };
    if (!info.celery) {
      tried.push(`${c.python} (${c.source}): celery does not import (${info.error ?? 'unknown'})`);
      if (c.source === '--python' || c.source.startsWith('jobctl config')) break;
      continue;
    }
    return { python: c.python, source: c.source, pythonVersion: info.python, celeryVersion: info.celery, kombuVersion: info.kombu ?? null, redisPyVersion: info.redis ?? null };
  }
  throw new JobctlError(`no Python environment with Celery found (${tried.join('; ') || 'nothing tried'}); pass --python path/to/venv/bin/python or install celery[redis] into the project's .venv`);
}
