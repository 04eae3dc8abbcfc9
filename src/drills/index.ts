// `jobctl drill` as a library: resolve the project's Python, app and facts once, then run each
// drill on a private broker of its own, with the user's real worker, and end every process.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { JobctlConfig } from '../engine/config.js';
import { buildProjectModel } from '../model/index.js';
import type { ProjectModel } from '../model/types.js';
import { loadKnowledge } from '../knowledge/index.js';
import { JobctlError, UnavailableError } from '../util/errors.js';
import { findPythonEnv } from '../runtime/python-env.js';
import { requireRuntimeCelery } from '../runtime/celery-support.js';
import { resolveApp } from '../runtime/smoke.js';
import { deployedEnv, choosePoolAndConcurrency } from '../runtime/deployed.js';
import { inspectApp } from '../runtime/app-inspect.js';
import { chooseBrokerKind, type BrokerKindFlag } from '../runtime/broker.js';
import { readDrillFacts } from './project.js';
import { runDrill, type DrillDef } from './drill.js';
import type { DrillContext } from './harness.js';
import { ALL_DRILLS, type DrillId, type DrillReport, type DrillResult } from './types.js';
import { brokerRestart } from './broker-restart.js';
import { poolKill } from './pool-kill.js';
import { visibilityTimeout } from './visibility-timeout.js';
import { maxmemory } from './maxmemory.js';
import { warmShutdown } from './warm-shutdown.js';

export type { DrillReport, DrillResult, DrillId } from './types.js';
export { ALL_DRILLS } from './types.js';

export const DRILLS: Record<DrillId, DrillDef> = {
  'broker-restart': brokerRestart, 'pool-kill': poolKill, 'visibility-timeout': visibilityTimeout, maxmemory, 'warm-shutdown': warmShutdown,
};

export interface DrillOptions {
  root: string;
  app?: string;
  appDir?: string;
  python?: string;
  config?: JobctlConfig;
  model?: ProjectModel;
  only?: DrillId[];
  /** the broker the drills start (default: the app's own kind, RabbitMQ when rabbitmq-server is installed) */
  brokerKind?: BrokerKindFlag;
  /** run this many drills at once (each has its own broker and worker) */
  parallel?: number;
  side?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** a line per drill as it ends (stderr progress) */
  onDrill?: (r: DrillResult) => void;
  /** each timeline event as it happens */
  onEvent?: (drill: string, e: { atMs: number; event: string }) => void;
}

export function parseDrillList(list: string): DrillId[] {
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) if (!(ALL_DRILLS as string[]).includes(id)) throw new JobctlError(`--only ${id}: unknown drill; use ${ALL_DRILLS.join(', ')}`);
  return ids as DrillId[];
}

export async function runDrills(opts: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const root = path.resolve(opts.root);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new JobctlError(`${opts.root}: no such directory; pass the project folder`);
  const callerEnv = opts.env ?? process.env;
  const py = await findPythonEnv(root, { ...(opts.python ? { flag: opts.python } : {}), ...(opts.config?.python ? { config: opts.config.python } : {}) }, callerEnv);
  requireRuntimeCelery(py);
  if (!py.redisPyVersion) throw new UnavailableError(`${py.python}: redis-py is not installed; the drills run on a private Redis, so install celery[redis] into that environment`);
  const model = opts.model ?? await buildProjectModel(root);
  const { spec: app, dir: appDir } = opts.app && opts.appDir ? { spec: opts.app, dir: path.resolve(opts.appDir) } : await resolveApp(root, opts.app, opts.config, model);
  const env = { ...deployedEnv(model, app).env, ...callerEnv };
  const settings = await inspectApp({ python: py.python, app, root: appDir, projectRoot: root, env, ...(opts.side ? { side: opts.side } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  if (!settings.accept_content.includes('json') && !settings.accept_content.includes('application/json')) {
    throw new JobctlError(`app ${app}: accept_content is ${JSON.stringify(settings.accept_content)}; jobctl's producer speaks JSON only, so add 'json' to accept_content to run drills`);
  }
  const { pool } = choosePoolAndConcurrency({ model, app, settingsPool: settings.worker_pool, settingsConcurrency: settings.worker_concurrency });
  const signal = opts.signal ?? new AbortController().signal;
  const { kind: brokerKind } = chooseBrokerKind({ flag: opts.brokerKind, appScheme: settings.broker_scheme });
  const ctx: DrillContext = { brokerKind, brokerScheme: settings.broker_scheme, root, appDir, app, python: py.python, env, pool, facts: readDrillFacts(model, loadKnowledge(), app), signal, ...(opts.side ? { side: opts.side } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) };
  const ids = opts.only?.length ? ALL_DRILLS.filter((d) => opts.only!.includes(d)) : ALL_DRILLS;
  const results: DrillResult[] = new Array(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= ids.length) return;
      const r = await runDrill(DRILLS[ids[i]!], ctx);
      results[i] = r;
      opts.onDrill?.(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, ids.length)) }, worker));
  const interrupted = signal.aborted;
  const failed = results.some((r) => r.verdict === 'fail');
  const exitCode: DrillReport['exitCode'] = interrupted ? 130 : failed ? 1 : 0;
  return {
    root, app, celeryVersion: py.celeryVersion, kombuVersion: py.kombuVersion, python: py.python,
    drills: results.filter(Boolean), ok: exitCode === 0, exitCode, interrupted, durationMs: Date.now() - started,
  };
}
