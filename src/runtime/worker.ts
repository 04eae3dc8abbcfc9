// The user's real worker, started by jobctl: `python -m celery -A <app> worker ...` on jobctl's
// own queue, with jobctl's probe tasks injected via --include. The broker and result backend URLs
// (with their passwords) go through the environment, never the command line: Celery reads
// CELERY_BROKER_URL / CELERY_RESULT_BACKEND before its settings (celery/app/utils.py Settings.broker_url,
// 5.3.6–5.7.0), the same variables its own `-b`/`--result-backend` options set. Readiness comes from
// the worker itself (pidbox ping).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerTempDir } from './lifecycle.js';
import { spawnGroup, type ManagedProcess } from './process-group.js';
import type { CeleryTransport } from './transport.js';
import { pythonPathFor } from './app-inspect.js';
import { fixForPythonError } from './python-errors.js';
import { UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import { ISOLATE_MODULE, isolationKeys } from './broker-guard.js';
import { lastException, scanRunErrors } from './worker-errors.js';

/**
 * Celery's CLI reads `--broker` / `--result-backend` from the environment too (celery/bin/celery.py:
 * envvar BROKER_URL / RESULT_BACKEND; with click >= 8.2 and auto_envvar_prefix="CELERY" also
 * CELERY_BROKER / CELERY_RESULT_BACKEND), and then overwrites CELERY_BROKER_URL with it. A project
 * whose compose file sets CELERY_BROKER=redis://redis:6379/0 (testdrivenio/django-celery) would
 * send jobctl's worker to that host: every one of those names gets jobctl's own URL.
 */
export function cliBrokerEnv(brokerUrl: string, backendUrl: string): Record<string, string> {
  return { BROKER_URL: brokerUrl, CELERY_BROKER: brokerUrl, RESULT_BACKEND: backendUrl };
}

/**
 * For jobctl's import-only steps (inspect, verify's import stage), which run before any broker: the
 * same names as placeholders where the environment does not set them (an in-memory transport that
 * never connects), so a settings class that requires BROKER_URL imports as it will under the worker.
 * CELERY_BROKER_URL is left alone: it would hide the app's own broker setting from what is read.
 */
export function placeholderBrokerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(cliBrokerEnv('memory://', 'cache+memory://')).filter(([k]) => env[k] === undefined));
}

export const PROBE_MODULE = 'jobctl_probe';
/** templates/python/jobctl_worker.py: `python -m celery` plus jobctl's start-up hooks */
export const BOOT_MODULE = 'jobctl_worker';
const MAX_LOG = 1_000_000;

export interface WorkerOptions {
  python: string;
  app: string;
  root: string;
  brokerUrl: string;
  backendUrl: string;
  queue: string;
  pool: string;
  concurrency: number;
  /** secrets to scrub from logs shown to the user (the broker password) */
  secrets: string[];
  env?: NodeJS.ProcessEnv;
  /** what jobctl uses as `-n`: '<name>@jobctl' (explicit host part: no %h expansion to guess) */
  nodename?: string;
  loglevel?: string;
  extraArgs?: string[];
  /** 'current'/'target' when verify runs two sides: named in every failure */
  side?: string;
  /** the whole project (install advice never names its own packages) */
  projectRoot?: string;
  /** keep the worker's event heartbeat (RabbitMQ: without it a Celery 5.2 worker ran countdowns ~3.5 s
   * late, its timer only woke with other traffic; docs/evidence/rabbitmq-runtime.celery-5.6.3-5.7.0.txt) */
  heartbeat?: boolean;
}

export interface WorkerExit {
  exitCode: number | null;
  signal: string | null;
}

export interface WorkerHandle {
  nodename: string;
  queue: string;
  argv: string[];
  /** keys of the broker only this worker uses (its unacked bookkeeping): deleted by name afterwards */
  ownKeys: string[];
  /** the command line, secrets masked */
  command: string;
  process: ManagedProcess;
  /** everything the worker printed so far, secrets replaced by **** */
  logs(): string;
  /** raw logs, secrets included: only for the "password never appears" check */
  rawLogs(): string;
  /** resolves when the worker is gone */
  exited: Promise<WorkerExit>;
  /** poll a pidbox ping until the worker answers; throws UnavailableError if it exits or times out */
  waitReady(transport: CeleryTransport, timeoutMs: number): Promise<{ ms: number; reply: unknown }>;
  /** SIGTERM to the main process only (Celery's warm shutdown); SIGKILL the group after limitMs */
  warmShutdown(limitMs: number): Promise<{ clean: boolean; ms: number; exit: WorkerExit }>;
  /** end the whole process group (SIGTERM, SIGKILL after graceMs) */
  stop(graceMs?: number): Promise<void>;
}

/** RabbitMQ refusing a consumer on a quorum queue because the channel's prefetch is global:
 * "(540) NOT_IMPLEMENTED - queue 'q' in vhost 'v' does not support global qos". The worker then
 * reconnects forever and logs "Connection to broker lost", which is not the cause. */
const QUORUM_GLOBAL_QOS = /NOT_IMPLEMENTED - queue '([^']*)'[^\n]*does not support global qos/;

/** The cause and the fix when the worker's log shows that refusal; null otherwise. */
export function quorumQosFailure(logs: string): string | null {
  const m = QUORUM_GLOBAL_QOS.exec(logs);
  if (!m) return null;
  const queue = m[1]!;
  return `RabbitMQ refused its consumer: '${queue}' is a quorum queue, which does not support the global QoS (prefetch) this Celery sets on its channel (540 NOT_IMPLEMENTED), so the worker reconnects forever; Celery >= 5.5 detects quorum queues and uses a per-consumer prefetch (worker_detect_quorum_queues, celery/worker/consumer/tasks.py Tasks.qos_global): upgrade Celery, or use a classic queue`;
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function workerArgv(o: WorkerOptions, nodename: string): string[] {
  // an --include in extraArgs replaces the probe module (click keeps the last value); the isolation
  // module is always first
  const extra = [...(o.extraArgs ?? [])];
  const at = extra.indexOf('--include');
  const include = at >= 0 ? extra.splice(at, 2)[1]! : PROBE_MODULE;
  return [
    '-m', BOOT_MODULE, '-A', o.app,
    'worker', '-n', nodename, '-Q', o.queue, '-P', o.pool, '-c', String(o.concurrency),
    '--include', `${ISOLATE_MODULE},${include}`, '-l', o.loglevel ?? 'INFO',
    // no cross-talk with other workers on a shared broker, and a faster start
    '--without-mingle', '--without-gossip', ...(o.heartbeat ? [] : ['--without-heartbeat']),
    ...extra,
  ];
}

/** The exception that ended the worker: the last line of its last Python traceback, whatever the class is called. */
export function lastPythonError(logs: string): string | null {
  return lastException(logs);
}

/** The command as jobctl ran it, secrets masked, for error messages ("python -m jobctl_worker -A proj worker ..."). */
export function commandLine(python: string, argv: string[]): string {
  return [python, ...argv].map((a) => (/[\s'"]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ');
}

export function scrub(text: string, secrets: string[]): string {
  let out = maskUrlCredentials(text);
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('****');
  return out;
}

export function startWorker(o: WorkerOptions): WorkerHandle {
  const nodename = o.nodename ?? `jobctl-smoke-${randomSuffix()}@jobctl`;
  const argv = workerArgv(o, nodename);
  let raw = '';
  const isolation = isolationKeys(nodename.split('@')[0]!);
  // the worker's temp files (billiard's pymp-*) go to a folder of jobctl's, removed even after a SIGKILL
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-worker-'));
  const removeTmp = registerTempDir(tmp);
  const env = {
    ...(o.env ?? process.env), TMPDIR: tmp, PYTHONPATH: pythonPathFor(o.root, (o.env ?? process.env).PYTHONPATH), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1',
    CELERY_BROKER_URL: o.brokerUrl, CELERY_RESULT_BACKEND: o.backendUrl, ...cliBrokerEnv(o.brokerUrl, o.backendUrl), ...isolation.env, JOBCTL_QUEUE: o.queue,
  };
  const proc = spawnGroup(o.python, argv, {
    cwd: o.root,
    env,
    label: `celery worker ${nodename}`,
    tempDir: tmp,
    onOutput: (chunk) => { if (raw.length < MAX_LOG) raw += chunk; },
  });
  const exited: Promise<WorkerExit> = proc.exited.then((e) => { removeTmp(); return e; });
  const sideLabel = o.side ? `${o.side} side: ` : '';
  const maskedArgv = argv.map((a) => scrub(a, o.secrets));
  const failureDetails = (): Record<string, unknown> => ({
    command: commandLine(o.python, maskedArgv),
    ...(o.side ? { side: o.side } : {}),
    workerLogTail: handle.logs().trim().split('\n').slice(-60).join('\n'),
  });
  const handle: WorkerHandle = {
    nodename,
    queue: o.queue,
    argv: maskedArgv,
    command: commandLine(o.python, maskedArgv),
    ownKeys: isolation.keys,
    process: proc,
    logs: () => scrub(raw, o.secrets),
    rawLogs: () => raw,
    exited,
    async waitReady(transport, timeoutMs) {
      const started = performance.now();
      const deadline = Date.now() + timeoutMs;
      // Poll every 150 ms for the worker's own "<nodename> ready." log line (it is logged once the
      // consumer, remote control included, is running), then confirm with a ping. A ping sent before
      // that is lost (nobody listens yet) and used to cost a whole 700 ms reply timeout. Without the
      // line (a log level above INFO) pings go out back to back as before; with it, still one every 2 s
      // in case a Celery version words it differently.
      const readyLine = `${nodename} ready.`;
      const lineLogged = /^(debug|info)$/i.test(o.loglevel ?? 'INFO');
      const pingEveryMs = lineLogged ? 2000 : 0;
      let lastPing = lineLogged ? performance.now() : -Infinity;
      while (Date.now() < deadline) {
        if (proc.hasExited()) break;
        if (raw.includes(readyLine) || performance.now() - lastPing >= pingEveryMs) {
          lastPing = performance.now();
          const replies = await transport.control('ping', {}, { destination: [nodename], timeoutMs: Math.min(700, Math.max(100, deadline - Date.now())) }).catch(() => ({} as Record<string, unknown>));
          if (replies[nodename] !== undefined) return { ms: performance.now() - started, reply: replies[nodename] };
          if (proc.hasExited()) break;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
      if (proc.hasExited()) {
        const ex = await exited;
        // give the pipes a moment to flush the traceback
        await new Promise((r) => setTimeout(r, 50));
        const why = lastPythonError(handle.logs()) ?? `exit code ${ex.exitCode ?? ex.signal}`;
        throw new UnavailableError(`${sideLabel}worker for ${o.app} exited before it was ready: ${why}; ${fixForPythonError(why, o.root, o.python, { ...(o.projectRoot !== undefined ? { projectRoot: o.projectRoot } : {}), app: o.app })} (command: ${handle.command})`, { jsonExtra: failureDetails() });
      }
      await handle.stop(2000);
      // a worker that keeps retrying its broker says why in its log: name that, not "Warm shutdown"
      const conn = scanRunErrors(handle.logs()).filter((e) => e.kind === 'connection').pop();
      const qos = quorumQosFailure(handle.logs());
      const why = qos ?? (conn ? `it could not reach its broker: ${conn.message.replace(/\.\.?\s*$/, '')}` : `last log line: ${handle.logs().trim().split('\n').pop()?.slice(0, 200) ?? '(none)'}`);
      throw new UnavailableError(`${sideLabel}worker for ${o.app} did not answer a ping within ${Math.round(timeoutMs / 1000)}s; ${why} (command: ${handle.command})`, { jsonExtra: failureDetails() });
    },
    async warmShutdown(limitMs) {
      const started = performance.now();
      if (proc.hasExited()) return { clean: false, ms: 0, exit: await exited };
      proc.signalLeader('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), limitMs); })]);
      clearTimeout(timer);
      if (timedOut) {
        await proc.stopGroup(500);
        return { clean: false, ms: performance.now() - started, exit: await exited };
      }
      const exit = await exited;
      await proc.stopGroup(500); // reap any pool child that outlived its parent
      return { clean: exit.exitCode === 0, ms: performance.now() - started, exit };
    },
    stop: (graceMs = 3000) => proc.stopGroup(graceMs),
  };
  return handle;
}
