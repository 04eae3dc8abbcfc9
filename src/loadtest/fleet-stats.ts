// Per-worker figures of a fleet load test, from what jobctl can see of a fleet it did not start:
// Celery's task events (worker clock), its own publish and result times (producer clock), and the
// RSS probe's reports (each pool process's own RSS). Pure: no I/O, so it is tested on its own.
//
// Clocks. Run time (started -> succeeded/failed, or the worker's own `runtime`) and the wait inside
// the worker (received -> started: prefetched, waiting for a free pool process) use one worker's
// clock only and need no assumption. Queue wait (published -> started) and the wait on the broker
// (published -> received) compare the producer's clock with the worker's: jobctl bounds the offset
// between them from the run itself (a task is received after it was published; an event is heard
// after it was sent; a result is read after it was stored), NTP-style, and corrects by the middle of
// that interval, stating its width. End-to-end (published -> result read) is the producer's clock only.
import { LatencyRecorder, type LatencySummary } from './stats.js';
import { analyseMemory, type MemorySummary } from './memory.js';
import type { TaskEvent } from '../runtime/events.js';
import type { EventsState, WorkerFacts } from '../runtime/fleet.js';

export interface RssReport {
  hostname: string;
  pid: number;
  rss: number | null;
  /** producer wall ms when the result was read */
  atMs: number;
}

export interface ClockOffset {
  /** worker clock minus producer clock, ms: the interval the run's own timings allow */
  lowMs: number;
  highMs: number;
  /** the correction applied (middle of the interval) */
  usedMs: number;
}

export interface PoolProcessMemory {
  pid: number;
  firstBytes: number;
  lastBytes: number;
  samples: number;
}

export interface FleetWorkerRow {
  name: string;
  celery: string | null;
  kombu: string | null;
  pool: string | null;
  concurrency: number | null;
  /** tasks this worker finished in the run (task-succeeded + task-failed events) */
  tasks: number;
  failed: number;
  /** share of the run's finished tasks, percent */
  sharePct: number;
  runtime: LatencySummary;
  /** received -> started on the worker's clock (prefetched, waiting for a pool process) */
  workerWait: LatencySummary;
  /** published -> started, corrected by the clock offset below (null: no offset could be bounded) */
  queueWait: LatencySummary | null;
  /** published -> result read by jobctl, producer clock only */
  e2e: LatencySummary;
  clockOffset: ClockOffset | null;
  /** merged fleet runs: each producer's own interval (producer hosts' clocks differ, so they are not intersected) */
  clockOffsets?: (ClockOffset & { shard: number; host: string })[];
  /** the sum over the pool processes the RSS probe reached (null: probe module not loaded) */
  memory: (MemorySummary & { processes: PoolProcessMemory[] }) | null;
  /** ru_maxrss of the main process (inspect stats): a peak, and not the pool processes */
  mainPeakRssBytes: number | null;
  flags: ('slow' | 'leak' | 'errors' | 'no-events')[];
  /** why a flag was raised, in words */
  why: string[];
}

export interface FleetSection {
  queue: string;
  workers: FleetWorkerRow[];
  /** workers on the broker that do not consume the queue (not measured) */
  otherWorkers: string[];
  events: EventsState & { restored: string[]; restoreFailed: string[]; heard: number };
  /** tasks jobctl published whose events never named a worker */
  unattributed: number;
  memoryMeasured: boolean;
  /** how the queue wait was corrected, and what could not be measured on a remote fleet */
  notes: string[];
  /** the whole fleet's run time and (offset-corrected) queue wait, from the events */
  runtime: LatencySummary;
  queueWait: LatencySummary;
  /** producer wall-clock ms (epoch) of t=0 of the memory samples' tMs (so `load-test merge` can place them in time) */
  runStartMs?: number;
}

interface TaskTrack {
  hostname?: string;
  received?: number;
  started?: number;
  finished?: number;
  runtime?: number;
  failed?: boolean;
  heardMax?: number;
  heardMin?: number;
}

/** Collects events, publish/result times and RSS reports during the run; build() makes the section. */
export class FleetCollector {
  private readonly tasks = new Map<string, TaskTrack>();
  private readonly published = new Map<string, number>();
  private readonly finished = new Map<string, number>();
  private readonly rss: RssReport[] = [];
  heard = 0;

  onPublished(id: string, wallMs: number): void { this.published.set(id, wallMs); }
  onFinished(id: string, wallMs: number): void { this.finished.set(id, wallMs); }
  onRss(r: RssReport): void { this.rss.push(r); }

  onEvent(e: TaskEvent): void {
    this.heard++;
    let t = this.tasks.get(e.uuid);
    if (!t) { t = {}; this.tasks.set(e.uuid, t); }
    t.hostname ??= e.hostname;
    const ms = e.timestamp * 1000;
    t.heardMin = Math.min(t.heardMin ?? Infinity, e.heardAtMs - ms);
    if (e.type === 'task-received') t.received = ms;
    else if (e.type === 'task-started') t.started = ms;
    else if (e.type === 'task-succeeded') { t.finished = ms; if (e.runtime !== undefined) t.runtime = e.runtime * 1000; }
    else if (e.type === 'task-failed') { t.finished = ms; t.failed = true; }
  }

  /** ids jobctl published whose result it never read (their result keys may still be written) */
  unfinishedIds(): string[] { return [...this.published.keys()].filter((id) => !this.finished.has(id)); }

  /** the worker that ran a task (by its events), for RSS probes and attribution */
  workerOf(id: string): string | undefined { return this.tasks.get(id)?.hostname; }

  build(ctx: { queue: string; facts: WorkerFacts[]; otherWorkers: string[]; events: FleetSection['events']; memoryMeasured: boolean; runStartMs: number }): FleetSection {
    const names = ctx.facts.map((f) => f.name);
    const per = new Map<string, { runtime: LatencyRecorder; workerWait: LatencyRecorder; queueWaitRaw: [number, number][]; e2e: LatencyRecorder; tasks: number; failed: number; high: number; low: number; finishTimes: number[] }>();
    const slot = (name: string) => {
      let s = per.get(name);
      if (!s) { s = { runtime: new LatencyRecorder(), workerWait: new LatencyRecorder(), queueWaitRaw: [], e2e: new LatencyRecorder(), tasks: 0, failed: 0, high: Infinity, low: -Infinity, finishTimes: [] }; per.set(name, s); }
      return s;
    };
    const allRuntime = new LatencyRecorder();
    const allQueueWait = new LatencyRecorder();
    let unattributed = 0;
    for (const [id, pub] of this.published) {
      const t = this.tasks.get(id);
      if (!t?.hostname) { unattributed++; continue; }
      const s = slot(t.hostname);
      const done = this.finished.get(id);
      if (t.finished !== undefined) {
        s.tasks++;
        if (t.failed) s.failed++;
        const rt = t.runtime ?? (t.started !== undefined ? t.finished - t.started : undefined);
        if (rt !== undefined) { s.runtime.record(rt); allRuntime.record(rt); }
        if (done !== undefined) s.finishTimes.push(done);
      }
      if (t.received !== undefined && t.started !== undefined) s.workerWait.record(t.started - t.received);
      if (done !== undefined) s.e2e.record(done - pub);
      // offset θ = worker clock - producer clock: received after published => θ <= received - published;
      // an event is heard after it was sent => θ >= timestamp - heard. (Not: "succeeded before the
      // result was read": under prefork the pool process stores the result and the main process
      // sends task-succeeded later, so a result can be read before its event's timestamp.)
      if (t.received !== undefined) s.high = Math.min(s.high, t.received - pub);
      if (t.heardMin !== undefined) s.low = Math.max(s.low, -t.heardMin);
      if (t.started !== undefined) s.queueWaitRaw.push([pub, t.started]);
    }
    const totalDone = [...per.values()].reduce((a, s) => a + s.tasks, 0);
    const rows: FleetWorkerRow[] = [];
    const allNames = [...new Set([...names, ...per.keys()])];
    for (const name of allNames) {
      const f = ctx.facts.find((x) => x.name === name);
      const s = slot(name);
      let clockOffset: ClockOffset | null = null;
      let queueWait: LatencySummary | null = null;
      if (Number.isFinite(s.high) && Number.isFinite(s.low)) {
        const used = s.low <= s.high ? (s.low + s.high) / 2 : s.high;
        clockOffset = { lowMs: round1(s.low), highMs: round1(s.high), usedMs: round1(used) };
        const q = new LatencyRecorder();
        for (const [pub, started] of s.queueWaitRaw) { q.record(started - used - pub); allQueueWait.record(started - used - pub); }
        queueWait = q.summary();
      }
      rows.push({
        name,
        celery: f?.celery ?? null,
        kombu: f?.kombu ?? null,
        pool: f?.pool ?? null,
        concurrency: f?.concurrency ?? null,
        tasks: s.tasks,
        failed: s.failed,
        sharePct: totalDone ? round1((s.tasks / totalDone) * 100) : 0,
        runtime: s.runtime.summary(),
        workerWait: s.workerWait.summary(),
        queueWait,
        e2e: s.e2e.summary(),
        clockOffset,
        memory: ctx.memoryMeasured ? this.memoryOf(name, s.finishTimes, ctx.runStartMs) : null,
        mainPeakRssBytes: f?.mainPeakRssBytes ?? null,
        flags: [],
        why: [],
      });
    }
    flagOutliers(rows, ctx.events);
    return { queue: ctx.queue, workers: rows, otherWorkers: ctx.otherWorkers, events: ctx.events, unattributed, memoryMeasured: ctx.memoryMeasured, notes: [], runtime: allRuntime.summary(), queueWait: allQueueWait.summary(), runStartMs: Math.round(ctx.runStartMs) };
  }

  /**
   * One worker's RSS over the run: the sum over its pool processes, each at its latest report, from
   * the moment every process the probe reached has reported once (a process first seen late must
   * not read as growth); x = tasks this worker had finished by then.
   */
  private memoryOf(name: string, finishTimes: number[], runStartMs: number): (MemorySummary & { processes: PoolProcessMemory[] }) | null {
    const reports = this.rss.filter((r) => r.hostname === name && r.rss !== null).sort((a, b) => a.atMs - b.atMs);
    if (!reports.length) return null;
    const pids = new Set(reports.map((r) => r.pid));
    const last = new Map<number, number>();
    const procs = new Map<number, PoolProcessMemory>();
    const done = [...finishTimes].sort((a, b) => a - b);
    const samples = [];
    let i = 0;
    for (const r of reports) {
      last.set(r.pid, r.rss!);
      const p = procs.get(r.pid);
      if (p) { p.lastBytes = r.rss!; p.samples++; } else procs.set(r.pid, { pid: r.pid, firstBytes: r.rss!, lastBytes: r.rss!, samples: 1 });
      while (i < done.length && done[i]! <= r.atMs) i++;
      if (last.size === pids.size) {
        const rssBytes = [...last.values()].reduce((a, b) => a + b, 0);
        samples.push({ tMs: Math.round(r.atMs - runStartMs), completed: i, rssBytes, perPid: Object.fromEntries([...last].map(([k, v]) => [String(k), v])), cpuMs: 0 });
      }
    }
    const warmup = Math.floor(done.length * 0.1);
    return { ...analyseMemory(samples, warmup), processes: [...procs.values()].sort((a, b) => a.pid - b.pid) };
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return 0;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The worker that stands out: slow when its median run time is at least twice the median of the
 * other workers' medians (and 2 ms more); leaking when its own RSS climbs (the same verdict as a
 * single worker's, over its pool processes); errors when it failed tasks; no-events when it sent none.
 */
export function flagOutliers(rows: FleetWorkerRow[], events: { unavailable: { name: string; reason: string }[] }): void {
  for (const r of rows) {
    const others = rows.filter((o) => o !== r && o.runtime.count > 0).map((o) => o.runtime.p50);
    if (r.runtime.count > 0 && others.length) {
      const ref = median(others);
      if (r.runtime.p50 >= 2 * ref && r.runtime.p50 - ref >= 2) {
        r.flags.push('slow');
        r.why.push(`median run time ${round1(r.runtime.p50)} ms is ${round1(r.runtime.p50 / Math.max(ref, 0.001))}x the other workers' ${round1(ref)} ms`);
      }
    }
    if (r.memory?.verdict === 'leak') { r.flags.push('leak'); r.why.push(r.memory.reason); }
    if (r.failed > 0) { r.flags.push('errors'); r.why.push(`${r.failed} of ${r.tasks} tasks failed`); }
    if (r.tasks === 0 && r.runtime.count === 0) {
      r.flags.push('no-events');
      const unav = events.unavailable.find((u) => u.name === r.name);
      r.why.push(unav
        ? `enable_events: ${unav.reason} (a worker started with --without-gossip --without-heartbeat and without -E has no event dispatcher, and none can be switched on remotely; its tasks are in the totals only)`
        : 'no task events from this worker: it ran none of the tasks');
    }
  }
}
