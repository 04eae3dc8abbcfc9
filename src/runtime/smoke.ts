// `jobctl smoke-test` as a library: start (or use) a broker, start the user's real worker on a
// queue of jobctl's own with jobctl's probe tasks, run staged checks through it, and always end
// every process it started. Returns one serialisable SmokeResult that every output format renders.
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import type { JobctlConfig } from '../engine/config.js';
import { appSourceRoot } from '../model/app-root.js';
import { buildProjectModel } from '../model/index.js';
import type { ProjectModel } from '../model/types.js';
import { JobctlError } from '../util/errors.js';
import { findPythonEnv, type PythonEnv } from './python-env.js';
import { inspectApp, type AppSettings } from './app-inspect.js';
import { brokerStillAnswers, checkBrokerFlag, chooseBrokerKind, openTransport, resolveBroker, type BrokerHandle, type BrokerKindFlag } from './broker.js';
import { deleteOwnKeys } from './broker-guard.js';
import type { CeleryTransport } from './transport.js';
import { startWorker, randomSuffix, type WorkerHandle, scrub, cliBrokerEnv } from './worker.js';
import { readException, type TaskCall, type TaskResult } from './protocol.js';
import { readSmokeTasks, type SmokeTaskSpec } from './smoke-config.js';
import { collectDeprecationWarnings } from './log-scan.js';
import { describeRunError, scanRunErrors, type RunLogError } from './worker-errors.js';
import { choosePoolAndConcurrency, deployedAppSpec, deployedEnv, type PoolChoice } from './deployed.js';
import { asyncioFindings, compareWithAudit, type AsyncioOutcome, type AsyncioProbeInfo } from './asyncio-check.js';
import { requireRuntimeCelery } from './celery-support.js';

/** 'warn': the check ran and found something the user should read; never changes the exit code */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn';

export interface SmokeCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** a failed required check makes the run exit 1 */
  required: boolean;
  durationMs: number;
  /** what jobctl saw (masked) */
  evidence: string;
}

export interface SmokeResult {
  ok: boolean;
  exitCode: 0 | 1 | 3 | 130 | 143;
  interrupted: boolean;
  /** exit 3: what stopped answering mid-run (the broker, or a worker killed from outside) */
  lost?: 'broker' | 'worker';
  root: string;
  app: string;
  python: { path: string; source: string; version: string };
  celeryVersion: string;
  kombuVersion: string | null;
  pool: string;
  concurrency: number;
  /** where pool and concurrency came from (deploy file:line, flag, app setting, default) and any cap */
  poolChoice?: PoolChoice;
  broker: { url: string; owned: boolean; kind: 'redis' | 'rabbitmq'; queueType?: 'classic' | 'quorum'; resultBackend?: 'redis' | 'rpc'; startupMs?: number };
  queue: string;
  nodename: string;
  serializer: { task: string; result: string; accept: string[] };
  checks: SmokeCheck[];
  /** deprecation warnings the worker printed, and jobctl's own caveats */
  warnings: string[];
  /** the last lines of the worker's output, secrets masked */
  workerLogExcerpt: string;
  /** ERROR records and trouble lines the worker logged while the checks ran (grouped, masked) */
  workerLogErrors?: RunLogError[];
  durationMs: number;
}

export interface SmokeOptions {
  root: string;
  app?: string;
  /** the folder the app imports from, when the caller already knows it (saves reading the project again) */
  appDir?: string;
  python?: string;
  pool?: string;
  concurrency?: number;
  /** run the deployed concurrency even above the small-machine cap */
  fullConcurrency?: boolean;
  /** the project model, when the caller has built it (deployed pool, audit comparison) */
  model?: ProjectModel;
  /** 'current'/'target' under verify: named in failures */
  side?: string;
  broker?: string;
  /** which broker jobctl starts: 'auto' (default) = RabbitMQ when the app's broker is amqp://, else Redis */
  brokerKind?: BrokerKindFlag;
  /** RabbitMQ: jobctl's queue type (default: quorum when the app declares quorum queues) */
  queueType?: 'classic' | 'quorum';
  allowRemote?: boolean;
  /** run on a --broker database that holds other keys (jobctl's worker still uses its own unacked keys) */
  allowSharedBroker?: boolean;
  config?: JobctlConfig;
  /** time for the worker to answer its first ping */
  readyTimeoutMs?: number;
  /** per-task result timeout */
  taskTimeoutMs?: number;
  /** how long a warm shutdown may take */
  shutdownLimitMs?: number;
  /** 'simple' prints progress lines to stderr; 'silent' prints nothing */
  renderer?: 'simple' | 'silent';
  /** abort (SIGINT/SIGTERM): stop everything and return what was measured */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const PROBE_TASKS = ['jobctl.echo', 'jobctl.fail', 'jobctl.retry', 'jobctl.sleep', 'jobctl.outlive_soft_limit', 'jobctl.asyncio_probe'];
const ECHO_PAYLOAD = { text: 'héllo ✓ jobctl', n: 42, f: 1.5, neg: -7, list: [1, 'two', null, true], nested: { ok: true, empty: [] } };

/**
 * The app to load (--app, jobctl config `app`, or the one Celery app found in the project) and the
 * folder it imports from — the worker's cwd and PYTHONPATH: for an app in apps/backend/celery_config.py
 * that is apps/backend, not the project root. Pass `model` when the caller has built it already.
 */
export async function resolveApp(root: string, flag: string | undefined, config: JobctlConfig | undefined, model?: ProjectModel): Promise<{ spec: string; dir: string }> {
  const m = model ?? await buildProjectModel(root);
  const spec = resolveAppSpecIn(m, root, flag, config);
  return { spec, dir: appSourceRoot(m, spec) };
}

/** The app spec alone (see resolveApp). */
export async function resolveAppSpec(root: string, flag: string | undefined, config: JobctlConfig | undefined, model?: ProjectModel): Promise<string> {
  if (flag) return flag;
  if (config?.app) return config.app;
  return resolveAppSpecIn(model ?? await buildProjectModel(root), root, flag, config);
}

/** The folder an app imports from (see resolveApp). */
export async function resolveAppDir(root: string, app: string, model?: ProjectModel): Promise<string> {
  return appSourceRoot(model ?? await buildProjectModel(root), app);
}

function resolveAppSpecIn(model: ProjectModel, root: string, flag: string | undefined, config: JobctlConfig | undefined): string {
  if (flag) return flag;
  if (config?.app) return config.app;
  if (model.apps.length === 1) return deployedAppSpec(model, model.apps[0]!) ?? `${model.apps[0]!.module}:${model.apps[0]!.variable}`;
  if (model.apps.length === 0) throw new JobctlError(`${root}: no Celery app found; pass --app proj.celery_app (the value you give \`celery -A\`) or set \`app:\` in jobctl.yaml`);
  throw new JobctlError(`${root}: ${model.apps.length} Celery apps found (${model.apps.map((a) => `${a.module}:${a.variable}`).join(', ')}); choose one with --app or \`app:\` in jobctl.yaml`);
}

function describeResult(r: TaskResult | null): string {
  if (!r) return 'no result';
  const exc = readException(r);
  if (exc) return `${r.status} ${exc.excType}: ${exc.excMessage}`;
  return `${r.status} ${JSON.stringify(r.result)?.slice(0, 200)}`;
}

function lastLogLine(logs: string): string {
  return logs.trim().split('\n').pop()?.slice(0, 300) ?? '(none)';
}

/** Poll `stats` until the prefork pool lists `size` live processes again. */
async function waitForFullPool(t: CeleryTransport, nodename: string, size: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const replies = await t.control('stats', {}, { destination: [nodename], timeoutMs: 1000 }).catch(() => ({} as Record<string, unknown>));
    const procs = (replies[nodename] as { pool?: { processes?: number[] } } | undefined)?.pool?.processes;
    if (Array.isArray(procs) && procs.length >= size && procs.every((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } })) {
      await new Promise((r) => setTimeout(r, 300));
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const IN_PROCESS_POOLS = new Set(['gevent', 'eventlet', 'threads']);

/** log lines of smoke tasks declared to fail are expected, not the app's trouble */
function expectedFailures(specs: SmokeTaskSpec[]): RegExp[] {
  return specs.filter((s) => s.status !== 'SUCCESS').map((s) => new RegExp(`^Task ${s.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\[`));
}

class CheckFailed extends Error {}
class CheckSkipped extends Error {}

export async function runSmokeTest(opts: SmokeOptions): Promise<SmokeResult> {
  const started = performance.now();
  const root = path.resolve(opts.root);
  if (!existsSync(root)) throw new JobctlError(`${opts.root}: no such directory; pass the project folder`);
  if (!statSync(root).isDirectory()) throw new JobctlError(`${opts.root}: not a directory; pass the project's folder, not a file`);
  const callerEnv = opts.env ?? process.env;
  checkBrokerFlag({ ...(opts.broker !== undefined ? { broker: opts.broker } : {}), ...(opts.allowRemote ? { allowRemote: true } : {}) });
  const smokeTasks = readSmokeTasks(opts.config);
  const pyEnv: PythonEnv = await findPythonEnv(root, { ...(opts.python ? { flag: opts.python } : {}), ...(opts.config?.python ? { config: opts.config.python } : {}) }, callerEnv);
  requireRuntimeCelery(pyEnv);
  const model = opts.model ?? await buildProjectModel(root);
  const { spec: app, dir: appDir } = opts.app && opts.appDir ? { spec: opts.app, dir: path.resolve(opts.appDir) } : await resolveApp(root, opts.app, opts.config, model);
  // the environment the deployed worker gets from the project's files; the caller's own env wins
  const fromFiles = deployedEnv(model, app);
  const env = { ...fromFiles.env, ...callerEnv };
  const settings = await inspectApp({ python: pyEnv.python, app, root: appDir, projectRoot: root, env, ...(opts.side ? { side: opts.side } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const warnings: string[] = [];
  // the broker and backend names are jobctl's own for the run (cliBrokerEnv): not what the worker got
  const overridden = new Set(['CELERY_BROKER_URL', 'CELERY_RESULT_BACKEND', ...Object.keys(cliBrokerEnv('', ''))]);
  const given = fromFiles.keys.filter((k) => !overridden.has(k));
  const replaced = fromFiles.keys.filter((k) => overridden.has(k));
  if (given.length) warnings.push(`the worker got ${given.length} environment variable(s) the project's deploy files set (${fromFiles.sources.join(', ')}): ${given.join(', ')}${replaced.length ? `; ${replaced.join(', ')} pointed at jobctl's broker for the run (Celery's CLI reads them as --broker/--result-backend)` : ''}`);
  if (!settings.accept_content.includes('json') && !settings.accept_content.includes('application/json')) {
    throw new JobctlError(`app ${app}: accept_content is ${JSON.stringify(settings.accept_content)}; jobctl's producer speaks JSON only, so add 'json' to accept_content to smoke-test it`);
  }
  if (settings.result_serializer !== 'json') {
    throw new JobctlError(`app ${app}: result_serializer is '${settings.result_serializer}'; jobctl reads results as JSON only (set result_serializer='json' to smoke-test this app)`);
  }
  if (settings.task_serializer !== 'json') warnings.push(`the app's task_serializer is '${settings.task_serializer}'; jobctl publishes JSON (accepted by this app), so the echo check exercises JSON, not '${settings.task_serializer}'`);
  if (settings.global_keyprefix || settings.result_global_keyprefix) warnings.push('the app sets global_keyprefix; jobctl\'s producer does not apply it yet, so the worker is started with jobctl\'s broker URL but keeps the prefix from your transport options (results may not be found)');
  const kindChoice = chooseBrokerKind({ flag: opts.brokerKind, broker: opts.broker, appScheme: settings.broker_scheme });
  if (kindChoice.note) warnings.push(kindChoice.note);
  const queueType = kindChoice.kind === 'rabbitmq' ? opts.queueType ?? (settings.quorum_queues?.length ? 'quorum' : 'classic') : undefined;
  const resultBackend = kindChoice.kind === 'rabbitmq' ? (settings.backend_scheme === 'rpc' ? 'rpc' as const : 'redis' as const) : undefined;

  const poolChoice = choosePoolAndConcurrency({
    model, app, settingsPool: settings.worker_pool, settingsConcurrency: settings.worker_concurrency,
    ...(opts.pool ? { flagPool: opts.pool } : {}), ...(opts.concurrency !== undefined ? { flagConcurrency: opts.concurrency } : {}), ...(opts.fullConcurrency ? { full: true } : {}),
  });
  const { pool, concurrency } = poolChoice;
  if (poolChoice.note) warnings.push(poolChoice.note);
  const taskTimeoutMs = opts.taskTimeoutMs ?? 15_000;
  const broker: BrokerHandle = await resolveBroker({ ...(opts.broker ? { broker: opts.broker } : {}), ...(opts.allowRemote ? { allowRemote: true } : {}), ...(opts.allowSharedBroker ? { allowShared: true } : {}), kind: kindChoice.kind, ...(resultBackend ? { resultBackend } : {}) });
  const queue = `jobctl.smoke.${randomSuffix()}`;
  const checks: SmokeCheck[] = [];
  let worker: WorkerHandle | null = null;
  let transport: (CeleryTransport & { deleteOwnQueue(queue: string, nodename?: string): Promise<void> }) | null = null;
  let interrupted = false;
  let workerGone = false;
  /** the broker stopped answering during the checks: exit 3 (unavailable), not a failed check */
  let brokerLost = false;
  /** the worker's main process was killed by a signal jobctl did not send (OOM killer, a user, CI): exit 3, like load-test */
  let workerKilled = false;
  const onAbort = (): void => { interrupted = true; void worker?.stop(1000); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const secrets = broker.secrets ?? (broker.password ? [broker.password] : []);
  let workerLogErrors: RunLogError[] = [];

  const result = (): SmokeResult => {
    const requiredFailed = checks.some((c) => c.required && c.status === 'fail');
    const exitCode: SmokeResult['exitCode'] = interrupted ? 130 : brokerLost || workerKilled ? 3 : requiredFailed ? 1 : 0;
    const logs = worker?.logs() ?? '';
    return {
      ok: exitCode === 0,
      exitCode,
      interrupted,
      ...(exitCode === 3 ? { lost: brokerLost ? 'broker' as const : 'worker' as const } : {}),
      root,
      app,
      python: { path: pyEnv.python, source: pyEnv.source, version: pyEnv.pythonVersion },
      celeryVersion: pyEnv.celeryVersion,
      kombuVersion: pyEnv.kombuVersion,
      pool,
      concurrency,
      poolChoice,
      broker: { url: broker.masked, owned: broker.owned, kind: broker.kind, ...(queueType ? { queueType } : {}), ...(resultBackend ? { resultBackend } : {}), ...(broker.rabbit ? { startupMs: broker.rabbit.startupMs } : {}) },
      queue,
      nodename: worker?.nodename ?? '',
      serializer: { task: settings.task_serializer, result: settings.result_serializer, accept: settings.accept_content },
      checks,
      warnings,
      workerLogExcerpt: logs.trim().split('\n').slice(-60).join('\n'),
      workerLogErrors,
      durationMs: Math.round(performance.now() - started),
    };
  };

  try {
    if (opts.signal?.aborted) { interrupted = true; return result(); }
    transport = await openTransport(broker);
    const t = transport;
    const workerEnv = queueType ? { ...env, JOBCTL_QUEUE_TYPE: queueType } : env;
    worker = startWorker({ python: pyEnv.python, app, root: appDir, brokerUrl: broker.url, backendUrl: broker.backendUrl, queue, pool, concurrency, secrets, env: workerEnv, projectRoot: root, ...(opts.side ? { side: opts.side } : {}) });
    const w = worker;
    // --- readiness: the worker's own pidbox reply (throws UnavailableError -> exit 3)
    const ready = await w.waitReady(t, opts.readyTimeoutMs ?? 30_000).catch((err: unknown) => {
      if (interrupted) return null;
      throw err;
    });
    if (!ready) return result();
    checks.push({ id: 'worker-ready', title: 'worker starts and answers a ping', status: 'pass', required: true, durationMs: Math.round(ready.ms), evidence: `${w.nodename} answered ${JSON.stringify(ready.reply)} after ${Math.round(ready.ms)} ms (pool ${pool} from ${poolChoice.poolSource}, concurrency ${concurrency} from ${poolChoice.concurrencySource}${broker.kind === 'rabbitmq' ? `; RabbitMQ ${queueType} queue, results over ${resultBackend === 'rpc' ? 'the RPC backend (reply-to queue)' : 'Redis'}${broker.rabbit ? `, node started in ${broker.rabbit.startupMs} ms` : ''}` : ''})` });

    const call = async (c: TaskCall, timeoutMs = taskTimeoutMs): Promise<{ result: TaskResult | null; elapsedMs: number; id: string }> => {
      const r = await Promise.race([t.call(c, { queue, timeoutMs }), w.exited.then(() => null)]);
      if (r === null) {
        workerGone = true;
        const ex = await w.exited;
        // jobctl's own probes cannot kill the worker's main process: a signal then came from outside
        // (the OOM killer, a user, CI) — exit 3 like load-test. A task of the app's that takes the
        // worker down is the app's failure (exit 1).
        if (ex.signal && c.task.startsWith('jobctl.') && !interrupted) {
          workerKilled = true;
          warnings.push(`the worker was killed (${ex.signal}) during the smoke test — the OOM killer, a user or CI? (exit 3: the checks after it were not run)`);
          throw new CheckFailed(`the worker was killed by ${ex.signal} from outside jobctl while running jobctl's probe ${c.task}`);
        }
        throw new CheckFailed(`worker process exited (${ex.signal ?? `exit code ${ex.exitCode}`}) while running ${c.task}`);
      }
      return r;
    };

    const asyncioInFlight = IN_PROCESS_POOLS.has(pool) ? concurrency : 1;
    let asyncioOutcome: AsyncioOutcome | null = null;
    const auditAsyncio = IN_PROCESS_POOLS.has(pool) ? await asyncioFindings(root, model, opts.config).catch(() => []) : [];
    const defs: { id: string; title: string; required: boolean; run: () => Promise<string> }[] = [
      {
        id: 'tasks-registered', title: "the app's tasks are registered", required: true,
        run: async () => {
          const replies = await t.control('registered', {}, { destination: [w.nodename], timeoutMs: 3000 });
          const reg = replies[w.nodename];
          if (!Array.isArray(reg)) throw new CheckFailed('no reply to `registered`');
          const names = new Set((reg as string[]).map((s) => s.split(' ')[0]!));
          const expected = settings.tasks_before_worker.filter((n) => !n.startsWith('celery.'));
          const missing = [...expected, ...PROBE_TASKS].filter((n) => !names.has(n));
          if (missing.length) throw new CheckFailed(`not registered in the worker: ${missing.join(', ')}`);
          const user = [...names].filter((n) => !n.startsWith('celery.') && !n.startsWith('jobctl.'));
          if (user.length === 0) warnings.push(`the worker registered no tasks of ${app} (only Celery's built-ins); check \`include\`/autodiscover`);
          return `${user.length} app task(s) registered${user.length ? `: ${user.slice(0, 6).join(', ')}${user.length > 6 ? ', ...' : ''}` : ''}; jobctl probes registered`;
        },
      },
      {
        id: 'ping', title: 'remote-control ping', required: true,
        run: async () => {
          const s = performance.now();
          const r = await t.control('ping', {}, { destination: [w.nodename], timeoutMs: 3000 });
          if (r[w.nodename] === undefined) throw new CheckFailed('no pong within 3 s');
          return `${JSON.stringify(r[w.nodename])} in ${Math.round(performance.now() - s)} ms`;
        },
      },
      {
        id: 'echo', title: `echo round trip (${settings.task_serializer} → json)`, required: true,
        run: async () => {
          const r = await call({ task: 'jobctl.echo', args: [ECHO_PAYLOAD] });
          if (r.result?.status !== 'SUCCESS') throw new CheckFailed(describeResult(r.result));
          if (!isDeepStrictEqual(r.result.result, ECHO_PAYLOAD)) throw new CheckFailed(`returned ${JSON.stringify(r.result.result)}, sent ${JSON.stringify(ECHO_PAYLOAD)}`);
          return `payload returned unchanged in ${Math.round(r.elapsedMs)} ms`;
        },
      },
      {
        id: 'failure', title: 'failure propagates with exception type and message', required: true,
        run: async () => {
          const r = await call({ task: 'jobctl.fail', args: ['jobctl probe failure'] });
          const exc = r.result ? readException(r.result) : null;
          if (r.result?.status !== 'FAILURE' || exc?.excType !== 'ValueError' || !exc.excMessage.includes('jobctl probe failure')) throw new CheckFailed(`expected FAILURE ValueError: jobctl probe failure, got ${describeResult(r.result)}`);
          return `FAILURE ${exc.excType}: ${exc.excMessage}${r.result.traceback ? ' (traceback stored)' : ''}`;
        },
      },
      {
        id: 'retry', title: 'retry (task republished by the worker)', required: true,
        run: async () => {
          const r = await call({ task: 'jobctl.retry', args: [2] });
          if (r.result?.status !== 'SUCCESS' || r.result.result !== 2) throw new CheckFailed(`expected SUCCESS after 2 retries, got ${describeResult(r.result)}`);
          return `succeeded after 2 retries in ${Math.round(r.elapsedMs)} ms`;
        },
      },
      {
        id: 'eta', title: 'countdown / ETA honoured', required: true,
        run: async () => {
          const countdownMs = 1500;
          const r = await call({ task: 'jobctl.echo', args: ['eta'], eta: new Date(Date.now() + countdownMs) });
          if (r.result?.status !== 'SUCCESS') throw new CheckFailed(describeResult(r.result));
          // 100 ms of slack for clock rounding in the worker's timer
          if (r.elapsedMs < countdownMs - 100) throw new CheckFailed(`ran after ${Math.round(r.elapsedMs)} ms, before its ${countdownMs} ms countdown`);
          return `countdown ${countdownMs} ms: ran after ${Math.round(r.elapsedMs)} ms`;
        },
      },
      {
        id: 'revoke', title: 'revoke', required: true,
        run: async () => {
          // an ETA task waits in the worker's memory: revoke it there, it must never run
          const id = await t.publish({ task: 'jobctl.echo', args: ['revoked?'], eta: new Date(Date.now() + 2500) }, { queue });
          const wait = t.waitResult(id, 2500 + taskTimeoutMs);
          await new Promise((r) => setTimeout(r, 500));
          const replies = await t.control('revoke', { task_id: id, terminate: false, signal: 'SIGTERM' }, { destination: [w.nodename], timeoutMs: 3000 });
          const res = await Promise.race([wait, w.exited.then(() => null)]);
          if (res?.status !== 'REVOKED') throw new CheckFailed(`expected REVOKED, got ${describeResult(res)}`);
          return `REVOKED (${readException(res)?.excMessage ?? ''}); worker replied ${JSON.stringify(replies[w.nodename] ?? null)}`;
        },
      },
      ...(['soft', 'hard'] as const).map((kind) => ({
        id: `${kind}-time-limit`, title: `${kind} time limit enforced`, required: pool === 'prefork',
        run: async (): Promise<string> => {
          // Both limits are sent, soft below hard, so the app's own task_soft_time_limit /
          // task_time_limit cannot stand in for the one left empty (the worker fills an empty header
          // slot from the task's limits: celery/worker/request.py execute_using_pool), and billiard
          // arms the hard limit only after the soft one has fired (billiard/pool.py _timeout_handler).
          // The hard probe survives SoftTimeLimitExceeded, so only the hard kill can end it early.
          const expected = kind === 'soft' ? 'SoftTimeLimitExceeded' : 'TimeLimitExceeded';
          const limits = kind === 'soft' ? { softTimeLimit: 0.5, hardTimeLimit: 10 } : { softTimeLimit: 0.3, hardTimeLimit: 1 };
          const task = kind === 'soft' ? 'jobctl.sleep' : 'jobctl.outlive_soft_limit';
          const r = await call({ task, args: [3], ...limits });
          const exc = r.result ? readException(r.result) : null;
          const sent = `soft ${limits.softTimeLimit} s, hard ${limits.hardTimeLimit} s, task sleeps 3 s${kind === 'hard' ? ' through SoftTimeLimitExceeded' : ''}`;
          if (exc?.excType === expected) {
            // A hard limit SIGKILLs the pool child and billiard forks a replacement. A SIGTERM that lands
            // while that replacement is starting left the worker hanging in warm shutdown in ~1 of 4 runs
            // here (cf. celery/celery#4789), so wait until the pool is whole again before going on.
            const settled = kind === 'hard' && pool === 'prefork' ? await waitForFullPool(t, w.nodename, concurrency, 5000) : true;
            return `${expected} after ${Math.round(r.elapsedMs)} ms (${sent})${settled ? '' : '; the pool was not back to full size 5 s later'}`;
          }
          if (pool !== 'prefork' && r.result?.status === 'SUCCESS') throw new CheckSkipped(`not enforced under the ${pool} pool: the 3 s task ran to completion (${sent})`);
          throw new CheckFailed(`expected ${expected}, got ${describeResult(r.result)} (${sent})`);
        },
      })),
      {
        id: 'asyncio', title: `asyncio.run() inside tasks (${pool} pool${asyncioInFlight > 1 ? `, ${asyncioInFlight} at once` : ''})`, required: false,
        run: async () => {
          // under gevent/eventlet/threads the pool's concurrency runs in one process: as many probes
          // in flight as the pool runs, each holding its loop open long enough to overlap
          const runs = await Promise.all(Array.from({ length: asyncioInFlight }, () => call({ task: 'jobctl.asyncio_probe', args: [asyncioInFlight > 1 ? 0.3 : 0.01] })));
          const infos = runs.map((r) => (r.result?.status === 'SUCCESS' ? r.result.result as AsyncioProbeInfo : null));
          const broken = runs.flatMap((r, i) => {
            const info = infos[i];
            if (info?.ok) return [];
            return [info ? info.runs.filter((x) => x !== 'ok').join(' | ') : describeResult(r.result)];
          });
          const first = infos.find(Boolean);
          const where = first ? `thread ${first.thread}${first.main_thread ? ' (main)' : ''}, running loop in task: ${first.running_loop_in_task ? 'yes' : 'no'}${first.gevent_patched ? ', gevent monkey-patched' : ''}` : 'no result';
          asyncioOutcome = { inFlight: asyncioInFlight, failed: broken.length, sample: broken[0] ?? null };
          const comparison = compareWithAudit(auditAsyncio, asyncioOutcome, pool);
          if (comparison) warnings.push(comparison);
          if (broken.length) throw new CheckFailed(`${broken.length} of ${asyncioInFlight} failed: ${broken[0]} (${where})${comparison ? `; ${comparison}` : ''}`);
          return `asyncio.run worked twice in each of ${asyncioInFlight} task(s)${asyncioInFlight > 1 ? ' running at the same time' : ''} (${where})${comparison ? `; ${comparison}` : ''}`;
        },
      },
      ...smokeTasks.map((spec: SmokeTaskSpec, i: number) => ({
        id: `user-task-${i + 1}`, title: `smoke task ${spec.name}`, required: true,
        run: async (): Promise<string> => {
          const timeoutMs = spec.timeoutSec !== undefined ? spec.timeoutSec * 1000 : taskTimeoutMs;
          const r = await call({ task: spec.name, args: spec.args, kwargs: spec.kwargs }, timeoutMs);
          if (!r.result) throw new CheckFailed(`no result within ${Math.round(timeoutMs / 1000)} s (task still running or stuck?)`);
          const exc = readException(r.result);
          if (exc?.excType === 'NotRegistered') throw new CheckFailed(`task ${spec.name} is not registered in the worker`);
          if (r.result.status !== spec.status) throw new CheckFailed(`expected ${spec.status}, got ${describeResult(r.result)}`);
          if (spec.status === 'FAILURE' && spec.excType && exc?.excType !== spec.excType) throw new CheckFailed(`expected ${spec.excType}, got ${describeResult(r.result)}`);
          if (spec.status === 'SUCCESS' && spec.hasExpect && !isDeepStrictEqual(r.result.result, spec.expect)) throw new CheckFailed(`returned ${JSON.stringify(r.result.result)}, expected ${JSON.stringify(spec.expect)}`);
          return `${describeResult(r.result)} in ${Math.round(r.elapsedMs)} ms`;
        },
      })),
    ];

    const toListr = (d: (typeof defs)[number]): ListrTask => ({
      title: d.title,
      task: async (_ctx, task) => {
        const s = performance.now();
        const record = (status: CheckStatus, evidence: string): void => {
          checks.push({ id: d.id, title: d.title, status, required: d.required, durationMs: Math.round(performance.now() - s), evidence: scrub(evidence, secrets) });
        };
        if (interrupted) { record('skip', 'interrupted'); task.skip('interrupted'); return; }
        if (brokerLost) { record('skip', 'the broker is gone'); task.skip('the broker is gone'); return; }
        if (workerGone) { record('skip', 'worker is gone'); task.skip('worker is gone'); return; }
        try {
          const evidence = await d.run();
          record('pass', evidence);
          task.title = `${d.title}: ${scrub(evidence, secrets)}`;
        } catch (err) {
          if (err instanceof CheckSkipped) { record('skip', err.message); task.skip(`${d.title}: ${err.message}`); return; }
          let msg = err instanceof CheckFailed ? err.message : `error: ${(err as Error).message}`;
          if (!interrupted && !(await brokerStillAnswers(broker))) {
            brokerLost = true;
            msg = `the broker ${broker.masked} stopped answering during this check (${msg})`;
            warnings.push(`lost the connection to the broker ${broker.masked} during the smoke test; is it still running? (exit 3: the checks after it were not run)`);
          }
          record(interrupted ? 'skip' : 'fail', interrupted ? 'interrupted' : msg);
          if (!interrupted) throw new Error(`${d.title}: ${scrub(msg, secrets)}`);
        }
      },
    });
    const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
    const list = opts.renderer === 'silent'
      ? new Listr(defs.map(toListr), { renderer: 'silent', exitOnError: false, registerSignalListeners: false })
      : new Listr(defs.map(toListr), { renderer: 'simple', rendererOptions: { logger }, exitOnError: false, registerSignalListeners: false });
    await list.run().catch(() => undefined);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    try {
      if (worker) {
        if (!interrupted && !workerGone && !brokerLost && !worker.process.hasExited()) {
          const limit = opts.shutdownLimitMs ?? 10_000;
          const s = performance.now();
          const sd = await worker.warmShutdown(limit);
          const exitText = sd.exit.signal ?? `exit code ${sd.exit.exitCode}`;
          checks.push({
            id: 'warm-shutdown', title: 'warm shutdown (SIGTERM) within the limit', required: true, durationMs: Math.round(performance.now() - s),
            status: sd.clean ? 'pass' : 'fail',
            evidence: sd.clean ? `exited cleanly in ${Math.round(sd.ms)} ms (limit ${limit} ms)` : sd.ms >= limit ? `still running after ${limit} ms (a task did not finish?); killed; last log line: ${lastLogLine(worker.logs())}` : `exited with ${exitText} after ${Math.round(sd.ms)} ms`,
          });
        } else {
          await worker.stop(1000);
        }
        if (checks.length > 0) {
          const raw = worker.rawLogs();
          const leaked = secrets.some((s) => raw.includes(s));
          checks.push({
            id: 'password-not-in-logs', title: 'broker password never appears in the worker logs', required: true, durationMs: 0,
            status: broker.password ? (leaked ? 'fail' : 'pass') : 'skip',
            evidence: broker.password ? (leaked ? 'the broker password appears in the worker output (shown masked in the excerpt)' : `scanned ${raw.split('\n').length} lines of worker output`) : 'the broker has no password',
          });
          const dep = collectDeprecationWarnings(worker.logs());
          warnings.push(...dep);
          checks.push({ id: 'deprecation-warnings', title: 'deprecation warnings printed by the worker', required: false, durationMs: 0, status: 'pass', evidence: dep.length ? `${dep.length} collected (see warnings)` : 'none' });
          workerLogErrors = scanRunErrors(worker.logs(), expectedFailures(smokeTasks));
          warnings.push(...workerLogErrors.map((e) => `worker log: ${describeRunError(e)}`));
          checks.push({
            id: 'worker-log-errors', title: 'no errors in the worker log while the checks ran', required: false, durationMs: 0,
            status: workerLogErrors.length ? 'warn' : 'pass',
            evidence: workerLogErrors.length ? workerLogErrors.map(describeRunError).join('; ').slice(0, 600) : 'none',
          });
        }
      }
    } finally {
      await worker?.stop(1000).catch(() => undefined);
      if (transport && !broker.owned) await transport.deleteOwnQueue(queue, worker?.nodename).catch(() => undefined);
      await transport?.close().catch(() => undefined);
      if (worker && !broker.owned && broker.kind === 'redis') await deleteOwnKeys(broker.url, worker.ownKeys).catch(() => undefined);
      await broker.stop().catch(() => undefined);
    }
  }
  return result();
}

