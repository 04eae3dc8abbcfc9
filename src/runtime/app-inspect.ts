// Load the user's Celery app once in the project's Python (templates/python/jobctl_inspect_app.py)
// to learn the settings the producer must respect, and to fail fast with the Python error's last
// line when the app (or a task module it includes) does not import.
import path from 'node:path';
import { placeholderBrokerEnv } from './worker.js';
import { execa } from 'execa';
import { JobctlError, UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import { templatesPythonDir } from './paths.js';
import { fixForPythonError, importFailureReason } from './python-errors.js';

export interface AppSettings {
  main: string | null;
  task_serializer: string;
  result_serializer: string;
  accept_content: string[];
  result_accept_content: unknown;
  task_default_queue: string;
  task_ignore_result: boolean;
  worker_pool: unknown;
  worker_concurrency: unknown;
  broker_scheme: string | null;
  backend_scheme: string | null;
  /** queues the app declares as quorum queues (task_default_queue_type / task_queues x-queue-type) */
  quorum_queues?: string[];
  global_keyprefix: unknown;
  result_global_keyprefix: unknown;
  priority_steps: unknown;
  include: unknown;
  imports: unknown;
  /** every task registered after importing the app's modules, as the worker will see them */
  tasks_before_worker: string[];
  /** tasks whose own ignore_result=True (decorator option), when task_ignore_result itself is False */
  tasks_ignoring_results?: string[];
}

export function pythonPathFor(root: string, extra: string | undefined): string {
  return [templatesPythonDir(), root, ...(extra ? [extra] : [])].join(path.delimiter);
}

export async function inspectApp(opts: { python: string; app: string; root: string; env: NodeJS.ProcessEnv; timeoutMs?: number; side?: string; projectRoot?: string; signal?: AbortSignal }): Promise<AppSettings> {
  const side = opts.side ? `${opts.side} side: ` : '';
  const script = path.join(templatesPythonDir(), 'jobctl_inspect_app.py');
  const r = await execa(opts.python, [script, opts.app], {
    cwd: opts.root,
    env: { ...opts.env, ...placeholderBrokerEnv(opts.env), PYTHONPATH: pythonPathFor(opts.root, opts.env.PYTHONPATH), PYTHONDONTWRITEBYTECODE: '1' },
    extendEnv: false,
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    stdin: 'ignore',
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  if (r.isCanceled || opts.signal?.aborted) throw new JobctlError(`interrupted while importing ${opts.app}`, { exitCode: 130 });
  const stdout = typeof r.stdout === 'string' ? r.stdout : '';
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  if (r.timedOut) throw new UnavailableError(`${side}app ${opts.app}: importing it took longer than ${Math.round((opts.timeoutMs ?? 60_000) / 1000)}s (does a module block at import time?)`);
  if (r.exitCode !== 0) {
    const reason = importFailureReason(stderr, r.exitCode);
    const fix = fixForPythonError(reason, opts.root, opts.python, { ...(opts.projectRoot !== undefined ? { projectRoot: opts.projectRoot } : {}), app: opts.app });
    throw new UnavailableError(`${side}app ${opts.app} does not import: ${maskUrlCredentials(reason)}; ${fix} (command: ${opts.python} ${path.basename(script)} ${opts.app}, in ${opts.root})`);
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as AppSettings;
  } catch {
    throw new UnavailableError(`${side}app ${opts.app}: could not read its settings (${line.slice(0, 200)})`);
  }
}
