// Turning a Python error line into a one-line fix.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function fixForPythonError(reason: string, root: string, python: string, app?: string): string {
  const m = /No module named '([^']+)'/.exec(reason);
  if (m) {
    const top = m[1]!.split('.')[0]!;
    // the app module itself is missing: a typo in --app, never an install suggestion for that name
    const appModule = app?.split(':')[0] ?? '';
    if (app !== undefined && (m[1] === app || m[1] === appModule || appModule.startsWith(`${m[1]}.`))) return `module ${m[1]} not found in ${root}; check --app (or jobctl.yaml \`app\`) and the project folder`;
    // a module of the project itself: the import is wrong, not the environment
    if (existsSync(path.join(root, top)) || existsSync(path.join(root, `${top}.py`))) return `fix the import (${m[1]} is not in the project) or check --app and the project folder`;
    return `install ${top} into ${python}'s environment (pip install ${top}) or pass --python with the project's interpreter`;
  }
  return 'fix the error, or check --app and the project folder';
}

/**
 * The reason an app did not import, from the last stderr line of a jobctl Python helper
 * (templates/python/jobctl_app_errors.py writes {"error", "where"}); plain text is taken as is.
 */
export function importFailureReason(stderr: string, exitCode: number | undefined): string {
  const last = stderr.trim().split('\n').pop() || `exit ${exitCode ?? '?'}`;
  try {
    const j = JSON.parse(last) as { error?: unknown; where?: unknown };
    if (typeof j.error === 'string') return typeof j.where === 'string' && j.where ? `${j.error} (at ${j.where})` : j.error;
  } catch { /* plain text */ }
  return last;
}
