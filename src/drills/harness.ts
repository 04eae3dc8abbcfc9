// What every drill shares: the user's worker started on the drill's private broker with jobctl's
// drill tasks (templates/python/jobctl_drill.py), the execution log those tasks write, a timeline,
// and waiting with a deadline that an interrupt cuts short.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerTempDir } from '../runtime/lifecycle.js';
import { startWorker, randomSuffix, type WorkerHandle } from '../runtime/worker.js';
import type { CeleryTransport } from '../runtime/transport.js';
import type { DrillBroker } from './broker.js';
import type { DrillResult, TimelineEvent } from './types.js';
import type { DrillFacts, TaskAckOptions } from './project.js';

export const DRILL_MODULE = 'jobctl_drill';
export const WORK_TASK = 'jobctl.drill.work';

/** the decorator options to set on the drill task */
function taskOptionValues(o: TaskAckOptions): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const k of ['acks_late', 'reject_on_worker_lost', 'acks_on_failure_or_timeout'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** the effective acknowledgement options of a task: its own decorator options over the app's defaults */
export function effectiveAck(conf: WorkerConf | null, o: TaskAckOptions | null): { acksLate: boolean; reject: boolean; acksOnFailure: boolean } {
  return {
    acksLate: o?.acks_late ?? conf?.task_acks_late ?? false,
    reject: o?.reject_on_worker_lost ?? conf?.task_reject_on_worker_lost ?? false,
    acksOnFailure: o?.acks_on_failure_or_timeout ?? conf?.task_acks_on_failure_or_timeout ?? true,
  };
}

export interface DrillContext {
  /** the broker the drills start: RabbitMQ for an app on amqp:// (when rabbitmq-server is installed), else Redis */
  brokerKind: 'redis' | 'rabbitmq';
  /** the scheme of the app's own broker (redis, amqp, ...), when the app names one */
  brokerScheme: string | null;
  root: string;
  appDir: string;
  app: string;
  python: string;
  env: NodeJS.ProcessEnv;
  /** the pool the deployed worker uses (drills that need a pool child say so when it is not prefork) */
  pool: string;
  facts: DrillFacts;
  signal: AbortSignal;
  side?: string;
  /** each timeline event as it happens (progress on stderr, tests) */
  onEvent?: (drill: string, e: TimelineEvent) => void;
}

/** The settings the worker reported from inside (jobctl_drill.py `conf` line). */
export interface WorkerConf {
  celery: string;
  kombu: string | null;
  task_acks_late: boolean;
  task_reject_on_worker_lost: boolean | null;
  task_acks_on_failure_or_timeout: boolean;
  broker_connection_retry: boolean;
  task_time_limit: number | null;
  result_expires: number | null;
  visibility_timeout: number | null;
  /** the app's own value, before the drill scaled it */
  app_visibility_timeout: number | null;
  unacked_restore_interval: number | null;
  unacked_restore_throttle: number | null;
  worker_soft_shutdown_timeout: number | null;
}

export interface ExecEvent {
  kind: 'start' | 'end';
  id: string;
  pid: number;
  at: number;
  redelivered: boolean;
}

export class Interrupted extends Error {}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  readonly started = Date.now();
  constructor(private readonly onEvent?: (e: TimelineEvent) => void) {}
  add(event: string): void {
    const e = { atMs: Date.now() - this.started, event };
    this.events.push(e);
    this.onEvent?.(e);
  }
  /** ms since the start for an absolute unix time in seconds (from the execution log) */
  at(unixSeconds: number): number { return Math.round(unixSeconds * 1000 - this.started); }
}

/** kombu's Redis defaults (kombu@v5.7.0:kombu/transport/redis.py Channel): visibility_timeout 3600 s */
export const KOMBU_VISIBILITY_TIMEOUT = 3600;

/** transport options that put the visibility timeout at `seconds` and sweep unacked messages every 0.25 s */
export function scaledVisibility(seconds: number): Record<string, unknown> {
  return { broker_transport_options: { visibility_timeout: seconds, unacked_restore_interval: 0.25, unacked_restore_throttle: 1 } };
}

/** One drill's run: its worker(s), its log, its clean-up. */
export class DrillRun {
  readonly timeline: Timeline;
  readonly logFile: string;
  readonly queue = `jobctl.drill.${randomSuffix()}`;
  private readonly workers: WorkerHandle[] = [];
  private readonly removeDir: () => void;

  constructor(readonly ctx: DrillContext, readonly broker: DrillBroker, onEvent?: (e: TimelineEvent) => void) {
    this.timeline = new Timeline(onEvent);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jobctl-drill-'));
    this.removeDir = registerTempDir(dir);
    this.logFile = path.join(dir, 'executions.log');
  }

  /** Start the user's worker with the drill tasks and the drill's scaled settings; resolves once it answers a ping. */
  async startWorker(transport: CeleryTransport, opts: { overrides?: Record<string, unknown>; concurrency?: number; pool?: string; nodename?: string; taskOptions?: TaskAckOptions | null } = {}): Promise<WorkerHandle> {
    const w = startWorker({
      python: this.ctx.python, app: this.ctx.app, root: this.ctx.appDir, projectRoot: this.ctx.root,
      brokerUrl: this.broker.url, backendUrl: this.broker.backendUrl, queue: this.queue,
      pool: opts.pool ?? this.ctx.pool, concurrency: opts.concurrency ?? 1, secrets: this.broker.secrets,
      // the same node name means the same unacked keys (jobctl_isolate.py): a replacement worker restores its predecessor's messages, as workers sharing `unacked` do
      nodename: opts.nodename ?? `jobctl-drill-${randomSuffix()}@jobctl`,
      env: { ...this.ctx.env, JOBCTL_DRILL_LOG: this.logFile, JOBCTL_DRILL_OVERRIDES: JSON.stringify(opts.overrides ?? {}), ...(opts.taskOptions ? { JOBCTL_DRILL_TASK_OPTIONS: JSON.stringify(taskOptionValues(opts.taskOptions)) } : {}) },
      extraArgs: ['--include', DRILL_MODULE],
      ...(this.ctx.side ? { side: this.ctx.side } : {}),
    });
    this.workers.push(w);
    const abort = (): void => { void w.stop(500); };
    this.ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      await w.waitReady(transport, 30_000);
    } finally {
      this.ctx.signal.removeEventListener('abort', abort);
    }
    this.check();
    this.timeline.add(`worker ${w.nodename} ready (pid ${w.process.pid})`);
    return w;
  }

  /** the last lines of every worker's log (secrets masked), for the evidence of a failed drill */
  logTail(lines = 30): string {
    return this.workers.map((w) => w.logs().trim().split('\n').slice(-lines).join('\n')).join('\n---\n');
  }

  /** the last `conf` line the drill module wrote (the worker's effective settings) */
  conf(): WorkerConf | null {
    const lines = this.lines().filter((l) => l.startsWith('conf '));
    const last = lines.at(-1);
    return last ? JSON.parse(last.slice(5)) as WorkerConf : null;
  }

  private lines(): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  executions(): ExecEvent[] {
    const out: ExecEvent[] = [];
    for (const l of this.lines()) {
      const [kind, id, pid, at, redelivered] = l.split(' ');
      if ((kind === 'start' || kind === 'end') && id && pid && at) out.push({ kind, id, pid: Number(pid), at: Number(at), redelivered: redelivered === '1' });
    }
    return out;
  }

  starts(id?: string): ExecEvent[] { return this.executions().filter((e) => e.kind === 'start' && (id === undefined || e.id === id)); }
  ends(id?: string): ExecEvent[] { return this.executions().filter((e) => e.kind === 'end' && (id === undefined || e.id === id)); }

  /** throw Interrupted once the run was aborted */
  check(): void {
    if (this.ctx.signal.aborted) throw new Interrupted('interrupted');
  }

  /** Poll `cond` every `everyMs` until it holds (true) or `timeoutMs` passes (false). */
  async waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.check();
      if (await cond()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(everyMs, Math.max(1, deadline - Date.now())), this.ctx.signal);
    }
  }

  async sleep(ms: number): Promise<void> {
    await sleep(ms, this.ctx.signal);
    this.check();
  }

  /** end every worker this run started, and remove its folder */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(1000).catch(() => undefined)));
    this.removeDir();
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** the partial result of an interrupted drill: what was measured so far */
export function interruptedResult(base: Omit<DrillResult, 'verdict' | 'summary' | 'durationMs'>, started: number): DrillResult {
  return { ...base, verdict: 'skip', summary: 'interrupted', reason: 'interrupted before the drill finished; the timeline shows what was measured', durationMs: Date.now() - started };
}

/** seconds, readably */
export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
