// Helpers for the plan tests that load an applied config in a real Celery: the cached venvs
// (scripts/ensure-venvs.mjs) and the probe script that reports what Celery said about a config.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/fixtures.js';

export interface Probe {
  ok: boolean;
  error?: string;
  deprecated?: string[];
  warnings: string[];
  values?: Record<string, string>;
  tasks?: string[];
}

const probeScript = path.join(repoRoot, 'test', 'plan', 'probe_config.py');

export async function pythonFor(version: string): Promise<string> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ensure-venvs.mjs')).href)) as { ensureVenv(v: string): { python: string } };
  return mod.ensureVenv(version).python;
}

/**
 * A folder with extra pure-Python packages (installed with --no-deps, so the venv's own click/kombu are
 * never shadowed), put on PYTHONPATH by probe(). Built once in a temp dir and moved into place under
 * .cache/venvs so two runs never race.
 */
export function sitePackages(name: string, python: string, requirements: string[]): string {
  const dir = path.join(repoRoot, '.cache', 'venvs', name);
  if (existsSync(path.join(dir, '.jobctl-ready'))) return dir;
  const tmp = mkdtempSync(path.join(path.dirname(dir), `.${name}-`));
  try {
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', tmp, ...requirements], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    writeFileSync(path.join(tmp, '.jobctl-ready'), requirements.join(' ') + '\n');
    if (!existsSync(dir)) renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

export function probe(python: string, dir: string, module: string, variable: string, settings: string[], extraPath: string[] = []): Probe {
  const out = execFileSync(python, [probeScript, module, variable, settings.join(',')], {
    cwd: dir, encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: extraPath.join(path.delimiter) },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Probe;
}

export const FLASK_DEPS = ['flask==3.0.3', 'werkzeug==3.0.6', 'jinja2==3.1.4', 'markupsafe==2.1.5', 'itsdangerous==2.2.0', 'blinker==1.8.2'];
