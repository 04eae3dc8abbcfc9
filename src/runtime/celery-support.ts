// Which Celery versions the runtime commands drive. jobctl starts the worker with the Celery 5 CLI
// order (`celery -A app -b URL --result-backend URL worker ...`); Celery 4.4 accepts the same order
// and options (checked: celery 4.4.7 on Python 3.10, `celery -A ... worker -n -Q -P -c --include -l
// --without-mingle --without-gossip --without-heartbeat`). Older lines are refused in one line.
import { JobctlError } from '../util/errors.js';
import type { PythonEnv } from './python-env.js';

export const MIN_RUNTIME_CELERY = '4.4';

export function requireRuntimeCelery(env: Pick<PythonEnv, 'celeryVersion' | 'python'>): void {
  const [major = 0, minor = 0] = env.celeryVersion.split('.').map((n) => Number.parseInt(n, 10) || 0);
  if (major > 4 || (major === 4 && minor >= 4)) return;
  throw new JobctlError(`runtime commands need Celery >= ${MIN_RUNTIME_CELERY} (5.x recommended); found Celery ${env.celeryVersion} in ${env.python}. Pass --python with an interpreter that has a newer Celery`);
}
