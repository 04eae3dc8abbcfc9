// `jobctl load-test` as a library call: validate everything the user typed first (thresholds,
// baseline file), start the broker + worker, run the load, always stop what was started, and
// return one LoadTestResult.
import { parseThresholds } from './thresholds.js';
import { readBaseline, compareWithBaseline } from './baseline.js';
import { startLoadEnvironment, type EnvironmentOptions, type LoadEnvironment } from './environment.js';
import { runLoadTest, type LoadTestOptions } from './run.js';
import type { LoadTestResult } from './types.js';
import { JobctlError } from '../util/errors.js';
import { scanRunErrors } from '../runtime/worker-errors.js';

export type { LoadTestResult } from './types.js';
export { renderLoadTestText } from './report-text.js';
export { renderLoadTestHtml } from './report-html.js';
export { probeTask } from './environment.js';

export interface LoadTestRequest extends Omit<EnvironmentOptions, 'task'>, Omit<LoadTestOptions, 'thresholds'> {
  thresholds?: string[];
  baselineFile?: string;
  /** one-line status messages (starting redis, worker ready ...) */
  onStatus?: (message: string) => void;
}

export async function loadTest(req: LoadTestRequest): Promise<LoadTestResult> {
  const thresholds = parseThresholds(req.thresholds ?? []);
  const baseline = req.baselineFile ? await readBaseline(req.baselineFile) : null;
  if (req.shape.mode === 'closed' && !(req.shape.concurrency >= 1)) throw new JobctlError('--concurrency must be at least 1');
  if (req.tasks !== undefined && !(req.tasks >= 1)) throw new JobctlError('--tasks must be at least 1');
  if (req.shape.mode === 'open' && req.tasks === undefined && req.durationMs === undefined) {
    throw new JobctlError('--rate needs --duration (e.g. --duration 60s) or --tasks to know when to stop');
  }
  req.onStatus?.('starting broker and worker ...');
  let env: LoadEnvironment | undefined;
  try {
    env = await startLoadEnvironment(req);
    const pc = env.poolChoice;
    req.onStatus?.(`worker ${env.worker.nodename} ready (celery ${env.python.celeryVersion}, ${pc.pool} x${pc.concurrency}: pool from ${pc.poolSource}, concurrency from ${pc.concurrencySource}); load running ...`);
    if (pc.note) req.onStatus?.(pc.note);
    const result = await runLoadTest(env.target, { ...req, thresholds });
    const notes: string[] = [];
    if (!req.app) notes.push(`jobctl's probe app was measured (task ${result.task}), not your project's app or tasks: pass -A/--app and --task to load-test your own worker`);
    if (pc.note) notes.push(pc.note);
    result.notes = [...notes, ...(result.notes ?? [])];
    // failures of the task under load are counted by type above; the log's copy of them is not a second error
    const esc = result.task.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    result.workerLogErrors = scanRunErrors(env.workerLogs(), [new RegExp(`^Task ${esc}\\[`)]);
    if (baseline && req.baselineFile) result.baseline = compareWithBaseline(result, baseline, req.baselineFile);
    return result;
  } finally {
    await env?.stop();
  }
}
