// `jobctl load-test` as a library call: validate everything the user typed first (thresholds,
// baseline file), start the broker + worker, run the load, always stop what was started, and
// return one LoadTestResult.
import { parseThresholds } from './thresholds.js';
import { readBaseline, compareWithBaseline } from './baseline.js';
import { startLoadEnvironment, type EnvironmentOptions, type LoadEnvironment } from './environment.js';
import { runLoadTest, type LoadTestOptions } from './run.js';
import type { LoadTestResult } from './types.js';
import { JobctlError } from '../util/errors.js';

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
    req.onStatus?.(`worker ${env.worker.nodename} ready (celery ${env.python.celeryVersion}, ${req.pool ?? 'prefork'} x${req.workerConcurrency ?? 2}); load running ...`);
    const result = await runLoadTest(env.target, { ...req, thresholds });
    if (baseline && req.baselineFile) result.baseline = compareWithBaseline(result, baseline, req.baselineFile);
    return result;
  } finally {
    await env?.stop();
  }
}
