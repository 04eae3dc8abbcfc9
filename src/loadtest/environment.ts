// Everything a load test runs against, started on the runtime (src/runtime): a broker (jobctl's own
// loopback redis-server unless --broker is given), the Python env, and a Celery worker on a queue
// of jobctl's own, with the load probe module (templates/python/jobctl_loadprobe.py) included.
// stop() ends every process jobctl started and deletes only keys jobctl created.
import { existsSync, statSync } from 'node:fs';
import { resolveAppDir } from '../runtime/smoke.js';
import { buildProjectModel } from '../model/index.js';
import type { ProjectModel } from '../model/types.js';
import { choosePoolAndConcurrency, deployedEnv, type PoolChoice } from '../runtime/deployed.js';
import { requireRuntimeCelery } from '../runtime/celery-support.js';
import path from 'node:path';
import { Redis } from 'ioredis';
import { checkBrokerFlag, chooseBrokerKind, openTransport, producerAmqpUrl, resolveBroker, type BrokerHandle, type BrokerKindFlag } from '../runtime/broker.js';
import { AmqpPublisher } from '../runtime/amqp-transport.js';
import { findPythonEnv, type PythonEnv } from '../runtime/python-env.js';
import { inspectApp, type AppSettings } from '../runtime/app-inspect.js';
import { lastPythonError, randomSuffix, startWorker, type WorkerHandle } from '../runtime/worker.js';
import { UnavailableError } from '../util/errors.js';
import { JobctlError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import type { LoadTarget } from './run.js';

export const LOAD_PROBE_MODULE = 'jobctl_loadprobe';

export interface EnvironmentOptions {
  /** project folder (cwd and PYTHONPATH of the worker) */
  root: string;
  /** the user's Celery app (`-A`); omitted = the probe's own app */
  app?: string;
  /** the folder the app imports from, when the caller already knows it (saves reading the project again) */
  appDir?: string;
  python?: string;
  broker?: string;
  /** which broker jobctl starts: 'auto' (default) = RabbitMQ when the app's broker is amqp://, else Redis */
  brokerKind?: BrokerKindFlag;
  /** RabbitMQ: jobctl's queue type (default: quorum when the app declares quorum queues) */
  queueType?: 'classic' | 'quorum';
  allowRemote?: boolean;
  allowSharedBroker?: boolean;
  pool?: string;
  workerConcurrency?: number;
  /** run the deployed worker concurrency even above the small-machine cap */
  fullConcurrency?: boolean;
  /** the project model when the caller has it (deployed pool and concurrency) */
  model?: ProjectModel;
  /** 'current'/'target' under verify: named in failures */
  side?: string;
  /** worker log level; WARNING by default so per-task INFO lines do not cost worker CPU */
  loglevel?: string;
  readyTimeoutMs?: number;
  /** the task the load will call: checked against the user's app before anything starts */
  task?: string;
}

export interface LoadEnvironment {
  target: LoadTarget;
  python: PythonEnv;
  worker: WorkerHandle;
  poolChoice: PoolChoice;
  /** the worker's output so far, secrets masked */
  workerLogs(): string;
  stop(): Promise<void>;
}

export async function startLoadEnvironment(opts: EnvironmentOptions): Promise<LoadEnvironment> {
  const root = path.resolve(opts.root);
  if (!existsSync(root)) throw new JobctlError(`${opts.root}: no such directory; pass the project folder (PATH or --project)`);
  if (!statSync(root).isDirectory()) throw new JobctlError(`${opts.root}: not a directory; pass the project's folder (PATH or --project), not a file`);
  checkBrokerFlag({ ...(opts.broker !== undefined ? { broker: opts.broker } : {}), ...(opts.allowRemote ? { allowRemote: true } : {}) });
  const python = await findPythonEnv(root, opts.python ? { flag: opts.python } : {});
  requireRuntimeCelery(python);
  const model = opts.model ?? await buildProjectModel(root);
  // the worker runs from the folder the app imports from (apps/backend for apps/backend/celery_config.py)
  const appDir = opts.app ? (opts.appDir ? path.resolve(opts.appDir) : await resolveAppDir(root, opts.app, model)) : root;
  // the environment the deployed worker gets from the project's files (the caller's env wins)
  const fromFiles = opts.app ? deployedEnv(model, opts.app) : { env: {}, keys: [] as string[], sources: [] as string[] };
  const baseEnv = { ...fromFiles.env, ...process.env };
  let settings: AppSettings | null = null;
  if (opts.app) {
    settings = await inspectApp({ python: python.python, app: opts.app, root: appDir, projectRoot: root, env: baseEnv, ...(opts.side ? { side: opts.side } : {}) });
    checkAppForLoad(settings, { app: opts.app, task: opts.task, celeryVersion: python.celeryVersion });
  }
  // the deployed worker's pool and concurrency (compose/Procfile/systemd/k8s), flags override; the
  // probe app is run with the project's deployed pool too, when the project has one
  const deployedFor = opts.app ?? model.apps[0]?.module ?? '';
  const poolChoice = choosePoolAndConcurrency({
    model, app: deployedFor, settingsPool: settings?.worker_pool, settingsConcurrency: settings?.worker_concurrency,
    ...(opts.pool ? { flagPool: opts.pool } : {}), ...(opts.workerConcurrency !== undefined ? { flagConcurrency: opts.workerConcurrency } : {}), ...(opts.fullConcurrency ? { full: true } : {}),
  });
  // on RabbitMQ the results (and the probe's timings) still go through Redis: jobctl's own redis-server
  const kindChoice = chooseBrokerKind({ flag: opts.brokerKind, broker: opts.broker, appScheme: settings?.broker_scheme });
  const queueType = kindChoice.kind === 'rabbitmq' ? opts.queueType ?? (settings?.quorum_queues?.length ? 'quorum' : 'classic') : undefined;
  const broker: BrokerHandle = await resolveBroker({ ...(opts.broker ? { broker: opts.broker } : {}), ...(opts.allowRemote ? { allowRemote: true } : {}), ...(opts.allowSharedBroker ? { allowShared: true } : {}), kind: kindChoice.kind, resultBackend: 'redis' });
  const suffix = randomSuffix();
  const queue = `jobctl-load-${suffix}`;
  const timingChannel = `jobctl-loadprobe-timing-${suffix}`;
  const { pool, concurrency } = poolChoice;
  let worker: WorkerHandle | undefined;
  const stop = async (): Promise<void> => {
    if (worker) await worker.stop(3000);
    if (!broker.owned) await cleanupExternal(broker, queue, worker);
    await broker.stop();
  };
  try {
    worker = startWorker({
      python: python.python,
      app: opts.app ?? LOAD_PROBE_MODULE,
      root: appDir,
      brokerUrl: broker.url,
      backendUrl: broker.backendUrl,
      queue,
      pool,
      concurrency,
      secrets: broker.secrets ?? (broker.password ? [broker.password] : []),
      env: {
        ...baseEnv,
        ...(queueType ? { JOBCTL_QUEUE_TYPE: queueType } : {}),
        JOBCTL_LOADPROBE_STANDALONE: opts.app ? '0' : '1',
        JOBCTL_LOADPROBE_BROKER: broker.url,
        JOBCTL_LOADPROBE_BACKEND: broker.backendUrl,
        JOBCTL_LOADPROBE_TIMING_REDIS: broker.backendUrl,
        JOBCTL_LOADPROBE_CHANNEL: timingChannel,
      },
      nodename: `jobctl-load-${suffix}@jobctl`,
      projectRoot: root,
      ...(opts.side ? { side: opts.side } : {}),
      loglevel: opts.loglevel ?? 'WARNING',
      extraArgs: ['--include', LOAD_PROBE_MODULE],
    });
    const transport = await openTransport(broker);
    try {
      await worker.waitReady(transport, opts.readyTimeoutMs ?? 30_000);
    } finally {
      await transport.close();
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const w = worker;
  let stopping = false;
  // the worker dying mid-run (OOM from a leak, a crash) ends the run with exit 3 and the reason
  const failure = w.exited.then(async (ex): Promise<Error> => {
    if (stopping) return new Error('stopped');
    await new Promise((r) => setTimeout(r, 50)); // let the pipes flush the traceback
    const why = lastPythonError(w.logs()) ?? (ex.signal ? `killed by ${ex.signal}` : `exit code ${ex.exitCode}`);
    return new UnavailableError(`${opts.side ? `${opts.side} side: ` : ''}the worker exited during the load test (${why}); the figures so far are not reported because the run is incomplete (command: ${w.command})`, { jsonExtra: { command: w.command, workerLogTail: w.logs().trim().split('\n').slice(-60).join('\n') } });
  });
  const stopAll = stop;
  return {
    python,
    poolChoice,
    worker: w,
    workerLogs: () => w.logs(),
    stop: async () => { stopping = true; await stopAll(); },
    target: {
      failure: failure.then((e) => (stopping ? new Promise<Error>(() => undefined) : e)),
      brokerUrl: broker.url,
      brokerKind: broker.kind,
      backendUrl: broker.backendUrl,
      queue,
      timingChannel,
      deleteResults: !broker.owned,
      workerPid: w.process.pid,
      environment: {
        broker: broker.kind === 'rabbitmq' ? `${broker.masked} (RabbitMQ${queueType ? `, ${queueType} queue` : ''}${broker.rabbit ? `, node started in ${broker.rabbit.startupMs} ms` : ''})` : broker.masked,
        backend: maskUrlCredentials(broker.backendUrl),
        queue,
        worker: 'private',
        pool,
        workerConcurrency: concurrency,
        python: python.pythonVersion,
        celery: python.celeryVersion,
        app: opts.app ?? null,
      },
    },
  };
}

/** On a broker jobctl did not start: remove only what this run created (its queue and binding). */
async function cleanupExternal(broker: BrokerHandle, queue: string, worker: WorkerHandle | undefined): Promise<void> {
  if (broker.kind === 'rabbitmq') {
    // the worker's pidbox queue is auto-deleted with it; Celery's shared objects are handled by broker.stop()
    const p = await AmqpPublisher.open(producerAmqpUrl(broker.url)).catch(() => null);
    await p?.deleteOwnQueue(queue).catch(() => undefined);
    await p?.close();
    return;
  }
  const c = new Redis(broker.url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    // the queue's priority lists, its binding set, and (kombu >= 5.7, transport/redis.py
    // keyprefix_binding_permanent) its permanent-binding marker: all named after jobctl's own queue
    await c.del(queue, `${queue}\x06\x163`, `${queue}\x06\x166`, `${queue}\x06\x169`, `_kombu.binding.${queue}`, `_kombu.binding_permanent.${queue}`, ...(worker?.ownKeys ?? []));
    if (worker) await c.srem('_kombu.binding.celery.pidbox', `\x06\x16\x06\x16${worker.nodename}.celery.pidbox`);
  } catch { /* best effort: the broker may be gone */ } finally {
    c.disconnect();
  }
}

/** `--probe sleep:20` → the probe task and its args. */
export function probeTask(spec: string): { task: string; args: unknown[] } {
  const m = /^([a-z_]+)(?::([0-9]+(?:\.[0-9]+)?))?$/.exec(spec.trim());
  const kinds: Record<string, { task: string; needsAmount: boolean; unit: string }> = {
    noop: { task: 'noop', needsAmount: false, unit: '' },
    sleep: { task: 'sleep', needsAmount: true, unit: 'ms' },
    cpu: { task: 'cpu', needsAmount: true, unit: 'ms of CPU' },
    leak: { task: 'leak', needsAmount: true, unit: 'KiB kept per task' },
    allocate: { task: 'allocate', needsAmount: true, unit: 'KiB freed again' },
    asyncio: { task: 'asyncio_sleep', needsAmount: true, unit: 'ms' },
    fail: { task: 'fail', needsAmount: false, unit: '' },
  };
  const kind = m ? kinds[m[1]!] : undefined;
  if (!m || !kind) throw new JobctlError(`--probe '${spec}': use one of noop, sleep:<ms>, cpu:<ms>, leak:<KiB>, allocate:<KiB>, asyncio:<ms>, fail`);
  if (kind.needsAmount && m[2] === undefined) throw new JobctlError(`--probe '${spec}': ${m[1]} needs an amount (${m[1]}:<${kind.unit}>), e.g. ${m[1]}:20`);
  return { task: `${LOAD_PROBE_MODULE}.${kind.task}`, args: kind.needsAmount ? [Number(m[2])] : [] };
}

/**
 * What jobctl's producer and result reader need from the user's app, checked before anything
 * starts (otherwise every task would end up "lost" after the drain timeout, with no reason given).
 */
export function checkAppForLoad(settings: AppSettings, ctx: { app: string; task: string | undefined; celeryVersion: string }): void {
  const accepts = settings.accept_content.map((c) => c.toLowerCase());
  if (!accepts.includes('json') && !accepts.includes('application/json')) {
    throw new JobctlError(`app ${ctx.app}: accept_content is ${JSON.stringify(settings.accept_content)}; jobctl publishes JSON, so add 'json' to accept_content to load-test it`);
  }
  if (settings.result_serializer !== 'json') {
    throw new JobctlError(`app ${ctx.app}: result_serializer is '${settings.result_serializer}'; jobctl reads results as JSON, so set result_serializer = 'json' for the load test`);
  }
  if (settings.global_keyprefix || settings.result_global_keyprefix) {
    throw new JobctlError(`app ${ctx.app}: a transport global_keyprefix is set; load-test does not support key prefixes yet, so run it without global_keyprefix`);
  }
  // Up to Celery 5.6.2 a result is stored only if the task's own ignore_result (which includes
  // task_ignore_result) is False, whatever the message header says (celery@v5.6.2 celery/app/trace.py:
  // `ignore_result = task.ignore_result`). From 5.6.3 an explicit header value wins
  // (celery@v5.6.3 celery/app/trace.py, 5.7.0 celery/app/task.py: get_actual_ignore_result), and
  // jobctl sends ignore_result=false. Checked in the installed 5.6.2, 5.6.3 and 5.7.0 packages
  // (a claim that "5.6.x" honours the header is not true of 5.6.2).
  const [major = 0, minor = 0, patch = 0] = ctx.celeryVersion.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const headerWins = major > 5 || (major === 5 && (minor > 6 || (minor === 6 && patch >= 3)));
  if (settings.task_ignore_result && !headerWins) {
    throw new JobctlError(`app ${ctx.app}: task_ignore_result is True and Celery ${ctx.celeryVersion} then stores no results, so jobctl cannot see tasks finish; set task_ignore_result = False for the load test (or use Celery >= 5.6.3)`);
  }
  if (ctx.task && !headerWins && (settings.tasks_ignoring_results ?? []).includes(ctx.task)) {
    throw new JobctlError(`app ${ctx.app}: task '${ctx.task}' is declared with ignore_result=True and Celery ${ctx.celeryVersion} then stores no result for it, so jobctl cannot see it finish; load-test it with Celery >= 5.6.3 or drop ignore_result for the test`);
  }
  if (ctx.task && !ctx.task.startsWith(`${LOAD_PROBE_MODULE}.`) && !settings.tasks_before_worker.includes(ctx.task)) {
    const near = settings.tasks_before_worker.filter((t) => !t.startsWith('celery.')).slice(0, 8);
    throw new JobctlError(`app ${ctx.app}: no task named '${ctx.task}' is registered${near.length ? ` (registered: ${near.join(', ')})` : ''}; pass --task with a registered name`);
  }
}
