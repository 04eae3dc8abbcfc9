// The load-test engine: drive a Celery worker that is already running (closed or open loop),
// measure every task, sample the worker's memory/CPU and the queue depth, and return one
// LoadTestResult. Starting/stopping the broker and worker is environment.ts's job.
import { randomUUID } from 'node:crypto';
import { LoadClient, type ResultEvent, type TimingEvent } from './load-client.js';
import { LatencyRecorder, WindowRecorder, type TimelinePoint } from './stats.js';
import { analyseMemory, TreeSampler, DEFAULT_LEAK_CRITERIA, type LeakCriteria, type TreeSample } from './memory.js';
import { evaluateThreshold, parseThresholds, type Threshold } from './thresholds.js';
import { LOAD_TEST_SCHEMA, type LoadCounts, type LoadEnvironmentInfo, type LoadTestResult } from './types.js';
import { UnavailableError } from '../util/errors.js';

export type LoadShape =
  | { mode: 'closed'; concurrency: number }
  | { mode: 'open'; ratePerSec: number };

export interface LoadTarget {
  brokerUrl: string;
  /** 'rabbitmq': publish over AMQP (results and timings through the Redis backend) */
  brokerKind?: 'redis' | 'rabbitmq';
  backendUrl: string;
  queue: string;
  /** channel of the jobctl_loadprobe timing messages; null when the probe module is not loaded */
  timingChannel: string | null;
  /** delete each of this run's result keys once read (set when the broker is not jobctl's own) */
  deleteResults?: boolean;
  /** root PID of the worker process tree to sample (null: external worker, no memory figures) */
  workerPid: number | null;
  environment: LoadEnvironmentInfo;
  /** resolves with the reason if the worker or broker goes away mid-run (the run then stops with exit 3) */
  failure?: Promise<Error>;
}

export interface ProgressSnapshot {
  elapsedMs: number;
  published: number;
  completed: number;
  failed: number;
  completedPerSec: number;
  e2eP95: number | null;
  workerRssBytes: number | null;
}

export interface LoadTestOptions {
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  shape: LoadShape;
  /** stop publishing after this many tasks */
  tasks?: number;
  /** stop publishing after this long */
  durationMs?: number;
  /** a result slower than this counts as a timeout (closed loop: its slot is freed). Default 60 s */
  taskTimeoutMs?: number;
  /** after the last publish, wait this long for stragglers before counting them lost. Default 30 s */
  drainTimeoutMs?: number;
  /** tasks completed before RSS growth is measured. Default max(100, 10% of the planned tasks) */
  warmupTasks?: number;
  /** threshold expressions (k6-like); none = lost==0 and errors<1% */
  thresholds?: string[] | Threshold[];
  leakCriteria?: LeakCriteria;
  sampleIntervalMs?: number;
  windowMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: ProgressSnapshot) => void;
}

export const DEFAULT_THRESHOLDS = ['lost==0', 'errors<1%'];
const LATE_PUBLISH_MS = 10;

interface Pending {
  /** performance.now() the latency is measured from (actual publish, or intended send time in open loop) */
  basis: number;
  timedOut: boolean;
}

const wallNow = (): number => performance.timeOrigin + performance.now();

export function plannedTasks(opts: Pick<LoadTestOptions, 'tasks' | 'durationMs' | 'shape'>): number | null {
  if (opts.tasks !== undefined) return opts.tasks;
  if (opts.shape.mode === 'open' && opts.durationMs !== undefined) return Math.ceil((opts.shape.ratePerSec * opts.durationMs) / 1000);
  return null;
}

export async function runLoadTest(target: LoadTarget, opts: LoadTestOptions): Promise<LoadTestResult> {
  const thresholds: Threshold[] = (opts.thresholds?.length ? opts.thresholds : DEFAULT_THRESHOLDS).map((t) => (typeof t === 'string' ? parseThresholds([t])[0]! : t));
  const args = opts.args ?? [];
  const kwargs = opts.kwargs ?? {};
  const taskTimeoutMs = opts.taskTimeoutMs ?? 60_000;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
  const sampleIntervalMs = opts.sampleIntervalMs ?? 500;
  const windowMs = opts.windowMs ?? 1000;
  const planned = plannedTasks(opts);
  const maxTasks = planned ?? (opts.durationMs === undefined ? 1000 : Infinity);
  const warmupTasks = opts.warmupTasks ?? Math.max(100, Math.floor((planned ?? 1000) * 0.1));

  const counts: LoadCounts = { published: 0, succeeded: 0, failed: 0, lost: 0, unfinished: 0, timedOut: 0, retries: 0, latePublishes: 0 };
  const errorTypes: Record<string, number> = {};
  const errorMessages: Record<string, string> = {};
  const e2e = new LatencyRecorder();
  const queueWait = new LatencyRecorder();
  const runtime = new LatencyRecorder();
  const pending = new Map<string, Pending>();
  /** wall-clock ms of each task's latency basis, kept until its timing message has been used */
  const basisWall = new Map<string, number>();
  /** timing messages whose task id is not (yet) known: at most one per task on this run's channel */
  const earlyTimings = new Map<string, TimingEvent>();
  const timeline: TimelinePoint[] = [];
  const memSamples: TreeSample[] = [];
  let inFlight = 0; // closed loop: tasks holding a slot (not finished, not timed out)
  let completed = 0;
  let stopPublishing = false;
  // set once the run is over: results still buffered in the socket must not change the counts
  let closed = false;
  let fatal: Error | null = null;
  let wake: () => void = () => undefined;

  const applyTiming = (t: TimingEvent): void => {
    if (closed) return;
    const basis = basisWall.get(t.id);
    if (basis === undefined) { earlyTimings.set(t.id, t); return; }
    basisWall.delete(t.id);
    queueWait.record(t.startedWallMs - basis);
    runtime.record(t.finishedWallMs - t.startedWallMs);
  };

  const start = performance.now();
  const startWall = wallNow();
  const cpuStartSelf = cpuMsSelf();
  const window = new WindowRecorder(start);

  const onResult = (r: ResultEvent): void => {
    if (closed) return;
    const p = pending.get(r.id);
    if (!p) return; // not ours, or already counted
    pending.delete(r.id);
    if (target.deleteResults) client.deleteResult(r.id);
    const ok = r.status === 'SUCCESS';
    if (ok) counts.succeeded++;
    else {
      counts.failed++;
      const key = r.status === 'REVOKED' ? 'REVOKED' : r.excType ?? r.status;
      errorTypes[key] = (errorTypes[key] ?? 0) + 1;
      if (r.excMessage && errorMessages[key] === undefined) errorMessages[key] = r.excMessage;
    }
    completed++;
    const ms = r.at - p.basis;
    e2e.record(ms);
    window.onCompleted(ms, ok);
    if (!p.timedOut) {
      if (ms > taskTimeoutMs) counts.timedOut++;
      inFlight--;
    }
    wake();
  };

  const fail = (err: Error): void => {
    if (closed || fatal) return;
    fatal = err;
    stopPublishing = true;
    wake();
  };
  const client = await LoadClient.open({
    brokerUrl: target.brokerUrl,
    ...(target.brokerKind ? { brokerKind: target.brokerKind } : {}),
    backendUrl: target.backendUrl,
    timingChannel: target.timingChannel,
    onResult,
    onRetry: () => { counts.retries++; },
    onTiming: applyTiming,
    onConnectionLost: () => fail(new UnavailableError(`lost the connection to ${target.environment.broker} during the load test; is the broker still running?`)),
  });
  void target.failure?.then(fail);

  const publishOne = (basis: number): void => {
    const id = randomUUID();
    const basisOffset = basis - performance.now();
    pending.set(id, { basis, timedOut: false });
    basisWall.set(id, wallNow() + basisOffset);
    const early = earlyTimings.get(id);
    if (early) { earlyTimings.delete(id); applyTiming(early); }
    counts.published++;
    inFlight++;
    window.onPublished();
    client.publish(id, opts.task, args, kwargs, target.queue).catch((err: Error) => {
      fail(new UnavailableError(`publishing to ${target.environment.broker} failed (${err.message}); is the broker still running?`, { cause: err }));
    });
  };

  const canPublish = (now: number): boolean =>
    !stopPublishing && counts.published < maxTasks && (opts.durationMs === undefined || now - start < opts.durationMs);

  // --- samplers: memory/CPU every sampleIntervalMs, one timeline point every windowMs ---
  let lastCpu: { at: number; workerMs: number | null; jobctlMs: number } = { at: start, workerMs: null, jobctlMs: cpuMsSelf() };
  let firstWorkerCpuMs: number | null = null;
  let lastWorkerCpuMs: number | null = null;
  let lastRss: number | null = null;
  let maxDepth: number | null = null;
  let lastDepth: number | null = null;
  let sampling = false;
  const sampler = target.workerPid === null ? null : new TreeSampler(target.workerPid);
  const sample = async (): Promise<void> => {
    if (sampling || sampler === null) return;
    sampling = true;
    try {
      const s = await sampler.sample();
      if (s) {
        lastRss = s.rssBytes;
        if (firstWorkerCpuMs === null) firstWorkerCpuMs = s.cpuMs;
        lastWorkerCpuMs = s.cpuMs;
        memSamples.push({ tMs: Math.round(performance.now() - start), completed, rssBytes: s.rssBytes, perPid: s.perPid, cpuMs: s.cpuMs });
      }
    } finally {
      sampling = false;
    }
  };
  await sample();
  const closeWindow = async (): Promise<void> => {
    const depth = await client.queueDepth(target.queue).catch(() => null);
    if (depth !== null) { lastDepth = depth; maxDepth = Math.max(maxDepth ?? 0, depth); }
    const now = performance.now();
    const self = cpuMsSelf();
    const secs = Math.max(1e-3, (now - lastCpu.at) / 1000);
    const workerPct = lastWorkerCpuMs !== null && lastCpu.workerMs !== null ? round1(((lastWorkerCpuMs - lastCpu.workerMs) / 10) / secs) : null;
    const point = window.close(now, start, { queueDepth: depth, workerRssBytes: lastRss, workerCpuPct: workerPct, jobctlCpuPct: round1(((self - lastCpu.jobctlMs) / 10) / secs) });
    lastCpu = { at: now, workerMs: lastWorkerCpuMs, jobctlMs: self };
    timeline.push(point);
    opts.onProgress?.({ elapsedMs: point.tMs, published: counts.published, completed, failed: counts.failed, completedPerSec: point.completedPerSec, e2eP95: e2e.count ? e2e.percentile(95) : null, workerRssBytes: lastRss });
  };
  const sampleTimer = setInterval(() => { void sample(); }, sampleIntervalMs);
  const windowTimer = setInterval(() => { void closeWindow(); }, windowMs);

  // --- timeouts: a task slower than taskTimeoutMs frees its closed-loop slot ---
  const timeoutTimer = setInterval(() => {
    const now = performance.now();
    for (const p of pending.values()) {
      if (!p.timedOut && now - p.basis > taskTimeoutMs) { p.timedOut = true; counts.timedOut++; inFlight--; }
    }
    wake();
  }, Math.min(1000, Math.max(50, taskTimeoutMs / 4)));

  let interrupted = false;
  const onAbort = (): void => { interrupted = true; stopPublishing = true; wake(); };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    // --- publishing phase ---
    await new Promise<void>((resolve) => {
      let openTimer: NodeJS.Timeout | undefined;
      const finishIfDone = (): boolean => {
        if (stopPublishing || !canPublish(performance.now())) {
          if (openTimer) clearTimeout(openTimer);
          resolve();
          return true;
        }
        return false;
      };
      if (opts.shape.mode === 'closed') {
        const concurrency = opts.shape.concurrency;
        // Refill once per event-loop turn (setImmediate runs after the I/O phase): every result that
        // arrived in this turn frees its slot first, and the refills go out as one pipelined write.
        let refillQueued = false;
        const refill = (): void => {
          refillQueued = false;
          if (finishIfDone()) return;
          while (inFlight < concurrency && canPublish(performance.now())) publishOne(performance.now());
          finishIfDone();
        };
        wake = () => {
          if (refillQueued) return;
          refillQueued = true;
          setImmediate(refill);
        };
        // duration-bounded closed loops must also end while every slot is busy
        if (opts.durationMs !== undefined) openTimer = setTimeout(() => wake(), opts.durationMs + 1);
        wake();
      } else {
        const interval = 1000 / opts.shape.ratePerSec;
        let i = 0;
        const tick = (): void => {
          const now = performance.now();
          // coordinated omission: every send is measured from when it SHOULD have left
          while (!stopPublishing && counts.published < maxTasks) {
            const intended = start + i * interval;
            if (intended > now) break;
            if (opts.durationMs !== undefined && intended - start >= opts.durationMs) { stopPublishing = true; break; }
            if (now - intended > LATE_PUBLISH_MS) counts.latePublishes++;
            publishOne(intended);
            i++;
          }
          if (finishIfDone()) return;
          openTimer = setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
        };
        wake = () => { if (stopPublishing) finishIfDone(); };
        tick();
      }
    });

    // --- drain: wait for outstanding results (not after Ctrl-C: report what was measured) ---
    if (!interrupted && !fatal) {
      const lastPublish = performance.now();
      await new Promise<void>((resolve) => {
        const check = (): void => {
          const waiting = [...pending.values()].some((p) => !p.timedOut || performance.now() - lastPublish < drainTimeoutMs);
          if (interrupted || fatal || pending.size === 0 || !waiting || performance.now() - lastPublish >= drainTimeoutMs) { clearInterval(t); resolve(); }
        };
        wake = check;
        const t = setInterval(check, 50);
        check();
      });
    }
    // a PUBLISH may have been missed: one GET pass over the outstanding ids before counting them lost
    if (pending.size) for (const r of await client.fetchFinal([...pending.keys()]).catch(() => [])) onResult(r);
    // late timing messages for the last tasks: give the worker a moment to publish them
    if (!interrupted && target.timingChannel && basisWall.size > 0) await waitUntil(() => queueWaitDone(basisWall, pending), 1000);
  } finally {
    clearInterval(sampleTimer);
    clearInterval(windowTimer);
    clearInterval(timeoutTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    wake = () => undefined;
  }
  await sample();
  await closeWindow().catch(() => undefined);
  closed = true;
  client.close();
  if (fatal) throw fatal;

  if (interrupted) counts.unfinished = pending.size;
  else counts.lost = pending.size;

  const end = performance.now();
  const durationMs = Math.round(end - start);
  const seconds = Math.max(1e-3, durationMs / 1000);
  const jobctlMs = Math.round(cpuMsSelf() - cpuStartSelf);
  const workerMs = firstWorkerCpuMs !== null && lastWorkerCpuMs !== null ? Math.round(lastWorkerCpuMs - firstWorkerCpuMs) : null;
  const memory = target.workerPid === null ? null : analyseMemory(memSamples, warmupTasks, opts.leakCriteria ?? DEFAULT_LEAK_CRITERIA);
  const completedPerSec = round1(completed / seconds);
  const latencyBasis = opts.shape.mode === 'closed'
    ? `closed loop (${opts.shape.concurrency} in flight): service-time percentiles, measured from the actual publish`
    : `open loop (${opts.shape.ratePerSec}/s): measured from each task's intended send time (coordinated omission corrected)`;

  const outcomes = thresholds.map((t) => evaluateThreshold(t, {
    latency: { e2e: asInput(e2e), queue_wait: asInput(queueWait), runtime: asInput(runtime) },
    published: counts.published,
    failed: counts.failed,
    lost: counts.lost,
    timedOut: counts.timedOut,
    throughputPerSec: completedPerSec,
    rssGrowthPct: memory?.growthPct ?? null,
    rssPer1kBytes: memory?.per1kTasksBytes ?? null,
  }));

  return {
    schema: LOAD_TEST_SCHEMA,
    startedAt: new Date(startWall).toISOString(),
    durationMs,
    interrupted,
    mode: opts.shape.mode,
    concurrency: opts.shape.mode === 'closed' ? opts.shape.concurrency : null,
    ratePerSec: opts.shape.mode === 'open' ? opts.shape.ratePerSec : null,
    latencyBasis,
    task: opts.task,
    args,
    kwargs,
    environment: target.environment,
    counts,
    errorTypes,
    errorMessages,
    workerLogErrors: [],
    notes: [],
    latency: { e2e: e2e.summary(), queueWait: queueWait.summary(), runtime: runtime.summary() },
    throughput: { completedPerSec, publishedPerSec: round1(counts.published / seconds), peakCompletedPerSec: Math.max(0, ...timeline.map((p) => p.completedPerSec)) },
    queueDepth: { max: maxDepth, end: lastDepth },
    cpu: {
      workerMs,
      jobctlMs,
      workerMsPerTask: workerMs !== null && completed ? round3(workerMs / completed) : null,
      jobctlMsPerTask: completed ? round3(jobctlMs / completed) : null,
      workerPct: workerMs !== null ? round1(workerMs / 10 / seconds) : null,
      jobctlPct: round1(jobctlMs / 10 / seconds),
    },
    memory,
    timeline,
    thresholds: outcomes,
    defaultThresholds: !opts.thresholds?.length,
    passed: !interrupted && outcomes.every((o) => o.pass),
  };
}

const cpuMsSelf = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function asInput(r: LatencyRecorder): { count: number; mean: number; max: number; percentile: (p: number) => number } {
  const s = r.count ? r.summary() : null;
  return { count: r.count, mean: s?.mean ?? 0, max: s?.max ?? 0, percentile: (p) => r.percentile(p) };
}

/** true when every finished task's timing message has arrived (only unfinished ones remain). */
function queueWaitDone(basisWall: Map<string, number>, pending: Map<string, Pending>): boolean {
  for (const id of basisWall.keys()) if (!pending.has(id)) return false;
  return true;
}

function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = performance.now() + timeoutMs;
    const t = setInterval(() => { if (cond() || performance.now() > deadline) { clearInterval(t); resolve(); } }, 20);
  });
}
