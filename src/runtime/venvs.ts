// Cached Celery virtualenvs for tests and development: .cache/venvs/celery-<version>, created by
// scripts/ensure-venvs.mjs (the single implementation; this wrapper runs it and returns the path).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from './paths.js';

export const TEST_CELERY_VERSIONS = ['5.3.6', '5.7.0'] as const;

/** Create (once) and return the interpreter of the venv with celery[redis]==version. Throws with pip's reason. */
export function ensureCeleryVenv(version: string): string {
  const root = packageRoot();
  const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-venvs.mjs'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 });
  const line = out.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { python: string }).python;
}
