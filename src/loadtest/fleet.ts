// `jobctl load-test --fleet`: drive a worker fleet jobctl did not start (staging pods behind one
// broker) and measure it per worker. jobctl starts no worker and no broker. It publishes to the
// queue the fleet consumes (--queue) and touches nothing else on the broker but:
//   - its own tasks' result keys (celery-task-meta-<id> of the ids it published), deleted by name;
//   - one pidbox reply queue per control command (<uuid>.reply.celery.pidbox and its binding
//     member), deleted by the transport after each command;
//   - the workers' task events: switched on with `enable_events` on the workers that had them off,
//     and switched off again on exactly those workers (restored in a finally, on Ctrl-C too);
//   - a PSUBSCRIBE on the event channel, which creates no key.
// It never purges a queue and never deletes a key it did not create.
import { randomUUID } from 'node:crypto';
import { checkBrokerFlag } from '../runtime/broker.js';
import { openFleetConnection } from '../runtime/fleet-broker.js';
import type { EventReceiver } from '../runtime/events.js';
import { deleteOwnResults, discoverFleet, fleetConfProblems, enableTaskEvents, restoreTaskEvents, workerFacts, type EventsState, type WorkerFacts } from '../runtime/fleet.js';
import { openEventsLease, type EventsLease } from '../runtime/fleet-lease.js';
import { FleetCollector, type FleetSection, type FleetWorkerRow } from './fleet-stats.js';
import * as hdr from 'hdr-histogram-js';
import { evaluateThreshold, parseThresholds, type Threshold, type ThresholdInputs, type ThresholdOutcome } from './thresholds.js';
import type { LatencySummary } from './stats.js';
import { readBaseline, compareWithBaseline } from './baseline.js';
import { DEFAULT_THRESHOLDS, runLoadTest, type LoadTestOptions } from './run.js';
import type { LoadTestResult } from './types.js';
import { JobctlError, UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export const RSS_PROBE_TASK = 'jobctl_loadprobe.rss';

/** What a fleet run takes: the load itself as runLoadTest takes it, plus where the fleet is. */
export interface FleetLoadRequest extends Pick<LoadTestOptions,
  'task' | 'args' | 'kwargs' | 'shape' | 'tasks' | 'durationMs' | 'taskTimeoutMs' | 'drainTimeoutMs' | 'warmupTasks' | 'shard' | 'signal' | 'onProgress'> {
  broker: string;
  /** the fleet's Redis result backend (default: the broker URL) */
  backend?: string;
  allowRemote?: boolean;
  queue: string;
  thresholds?: string[];
  baselineFile?: string;
  onStatus?: (message: string) => void;
  /** how long to collect pidbox replies when looking for the fleet (default 2 s) */
  discoveryTimeoutMs?: number;
  /** one RSS sweep over the fleet every this many ms during the load (default 750) */
  rssIntervalMs?: number;
}

/** The flags fleet mode cannot run without, checked before anything connects. */
export function checkFleetRequest(req: { broker?: string; queue?: string; task?: string; allowRemote?: boolean }): void {
  if (!req.broker) throw new JobctlError('--fleet needs --broker (the broker your fleet consumes from; or set JOBCTL_BROKER)');
  if (!req.queue || !req.queue.trim()) throw new JobctlError('--fleet needs --queue: the queue your workers consume (jobctl never guesses it, and never publishes to the default queue by accident)');
  if (!req.task) throw new JobctlError('--fleet needs a task: --task <name registered on the fleet> (with --args), or --probe when the fleet loads jobctl_loadprobe');
  checkBrokerFlag({ broker: req.broker, ...(req.allowRemote ? { allowRemote: true } : {}) });
}

/** load-test's flags in fleet mode: an explicit queue and task, and none of the flags of a worker jobctl would start. */
export function checkFleetFlags(flags: { broker?: string | undefined; queue?: string | undefined; task?: string | undefined; probe?: string | undefined; 'allow-remote'?: boolean; app?: string | undefined; pool?: string | undefined; 'worker-concurrency'?: number | undefined; 'full-concurrency'?: boolean; python?: string | undefined }): void {
  const task = flags.task ?? (flags.probe !== undefined ? `probe ${flags.probe}` : undefined);
  checkFleetRequest({ ...(flags.broker !== undefined ? { broker: flags.broker } : {}), ...(flags.queue !== undefined ? { queue: flags.queue } : {}), ...(task !== undefined ? { task } : {}), ...(flags['allow-remote'] ? { allowRemote: true } : {}) });
  const workerFlags = (['app', 'pool', 'worker-concurrency', 'full-concurrency', 'python'] as const).filter((k) => flags[k] !== undefined && flags[k] !== false);
  if (workerFlags.length) throw new JobctlError(`${workerFlags.map((k) => `--${k}`).join(', ')}: jobctl starts no worker with --fleet (the fleet runs its own); drop ${workerFlags.length > 1 ? 'them' : 'it'}`);
}

export async function fleetLoadTest(req: FleetLoadRequest): Promise<LoadTestResult> {
  checkFleetRequest(req);
  const thresholds = parseThresholds(req.thresholds ?? []);
  const baseline = req.baselineFile ? await readBaseline(req.baselineFile) : null;
  const brokerUrl = req.broker;
  const masked = maskUrlCredentials(brokerUrl);
  const conn = await openFleetConnection(brokerUrl, req.backend);
  const { transport, backendUrl } = conn;
  let receiver: EventReceiver | null = null;
  let events: EventsState | null = null;
  let restore = { restored: [] as string[], failed: [] as string[] };
  let restoreDone = false;
  // --shard: the producers of one run share the events they switched on; the last one out switches them off
  let lease: EventsLease | null = null;
  let leaseNote: string | null = null;
  const restoreEvents = async (): Promise<{ restored: string[]; failed: string[] }> => {
    restoreDone = true;
    if (!lease) return restoreTaskEvents(transport, events!);
    const l = lease;
    lease = null;
    const r = await l.release(transport);
    // workers another producer of the run switched on answered this one "already enabled": they were
    // switched on for the run all the same, and are switched off by its last producer, not left on
    const forRun = new Set([...r.restored, ...r.failed, ...r.leftOn]);
    events = { ...events!, enabledByJobctl: [...new Set([...events!.enabledByJobctl, ...forRun])], alreadyOn: events!.alreadyOn.filter((n) => !forRun.has(n)) };
    if (r.stillRunning.length) leaseNote = `task events left on for ${r.leftOn.join(', ') || 'no worker'} while the run's other producer(s) (shard ${r.stillRunning.join(', ')} of ${req.shard!.count}) still run: the last producer of run ${req.shard!.runId} switches them off`;
    else if (r.restored.length || r.failed.length) leaseNote = `last producer of run ${req.shard!.runId} out: switched task events off again on ${r.restored.join(', ') || 'no worker'}${r.failed.length ? ` (failed on ${r.failed.join(', ')})` : ''}`;
    return r;
  };
  const probeIds = new Set<string>();
  const collector = new FleetCollector();
  try {
    req.onStatus?.(`looking for the workers consuming ${req.queue} on ${masked} ...`);
    const { fleet, others } = await discoverFleet(transport, req.queue, req.discoveryTimeoutMs ?? 2000);
    if (!fleet.length) throw new UnavailableError(`no worker on ${masked} consumes queue ${req.queue}${others.length ? ` (workers answering: ${others.slice(0, 8).join(', ')}, consuming other queues)` : ' (no worker answered a broadcast within 2 s)'}; start the fleet or pass the queue it consumes with --queue`);
    const names = fleet.map((w) => w.name);
    const facts = await workerFacts(transport, names);
    checkRegistered(facts, req.task, req.queue);
    const confProblems = await fleetConfProblems(transport, names);
    if (confProblems.length) throw new JobctlError(`the fleet on ${req.queue} cannot be load-tested by jobctl: ${confProblems.slice(0, 3).join('; ')}`);
    const withProbe = facts.filter((f) => f.registered?.includes(RSS_PROBE_TASK)).map((f) => f.name);
    const memoryMeasured = withProbe.length > 0;
    req.onStatus?.(`fleet on ${req.queue}: ${names.join(', ')}${memoryMeasured ? '' : ` (no worker loads jobctl_loadprobe: no memory figures)`}`);

    receiver = await conn.openEvents((e) => collector.onEvent(e));
    if (req.shard) lease = await openEventsLease(backendUrl, req.shard.runId, req.shard.index);
    events = await enableTaskEvents(transport, names);
    await lease?.record(events);

    // pool processes: prefork runs `concurrency` processes; threads/gevent/eventlet/solo run the tasks in
    // the worker's one process (a gevent -c 1000 worker needs one probe, not 1000). At most 256 a sweep.
    const procs = Math.min(256, Math.max(1, facts.reduce((a, f) => a + (f.pool === 'prefork' || f.pool === null ? f.concurrency ?? 1 : 1), 0)));
    const slots = Math.max(1, facts.reduce((a, f) => a + (f.concurrency ?? 1), 0));
    const sweep = async (probes: number, holdMs: number): Promise<void> => {
      await Promise.all(Array.from({ length: probes }, async () => {
        const id = randomUUID();
        probeIds.add(id);
        const { result } = await transport.call({ task: RSS_PROBE_TASK, args: [holdMs], id }, { queue: req.queue, timeoutMs: 15_000 }).catch(() => ({ result: null }));
        const v = result?.status === 'SUCCESS' ? result.result as { hostname?: unknown; pid?: unknown; rss?: unknown } | null : null;
        if (v && typeof v.hostname === 'string' && typeof v.pid === 'number') {
          collector.onRss({ hostname: v.hostname, pid: v.pid, rss: typeof v.rss === 'number' ? v.rss : null, atMs: performance.timeOrigin + performance.now() });
          probeIds.delete(id);
        }
      }));
    };
    const runStartMs = performance.timeOrigin + performance.now();
    if (memoryMeasured) await sweep(procs * 3, 30);

    let sweeping: Promise<void> | null = null;
    const timer = memoryMeasured ? setInterval(() => { if (!sweeping) sweeping = sweep(procs, 20).finally(() => { sweeping = null; }); }, req.rssIntervalMs ?? 750) : null;
    let result: LoadTestResult;
    try {
      result = await runLoadTest({
        brokerUrl, brokerKind: conn.kind, backendUrl, queue: req.queue, timingChannel: null, deleteResults: true, workerPid: null,
        environment: {
          broker: masked,
          backend: maskUrlCredentials(backendUrl),
          queue: req.queue,
          worker: 'external',
          pool: summarise(facts.map((f) => f.pool)),
          workerConcurrency: facts.every((f) => f.concurrency !== null) ? slots : null,
          python: summarise(facts.map((f) => f.python)),
          celery: summarise(facts.map((f) => f.celery)),
          app: null,
        },
      }, {
        ...req, thresholds,
        onPublished: (id, at) => collector.onPublished(id, at),
        onFinished: (id, _s, at) => collector.onFinished(id, at),
      });
    } finally {
      if (timer) clearInterval(timer);
      await sweeping;
    }
    if (memoryMeasured && !result.interrupted) await sweep(procs * 3, 30);
    // buffered task events (prefork sends them in batches) arrive a moment after the last result
    await waitFor(() => collector.heard > 0, result.interrupted ? 0 : 1000);
    await new Promise((r) => setTimeout(r, result.interrupted ? 0 : 300));
    restore = await restoreEvents();
    const section: FleetSection = collector.build({
      queue: req.queue, facts, otherWorkers: others, memoryMeasured, runStartMs,
      events: { ...events, restored: restore.restored, restoreFailed: restore.failed, heard: collector.heard },
    });
    section.notes = [...fleetNotes(section, facts, withProbe), ...(leaseNote ? [leaseNote] : [])];
    result.fleet = section;
    // run.ts has no worker timing channel in fleet mode: the totals' run time and queue wait come from the events
    result.latency = { ...result.latency, runtime: section.runtime, queueWait: section.queueWait };
    // a --shard producer judges nothing (run.ts leaves its thresholds to `load-test merge`)
    if (!req.shard) {
      result.thresholds = reevaluate(thresholds.length ? thresholds : parseThresholds(DEFAULT_THRESHOLDS), result, section);
      result.passed = !result.interrupted && result.thresholds.every((o) => o.pass);
    }
    // which of jobctl's published tasks never got a result read: their keys may appear later, so
    // they are deleted now by name (a result stored after jobctl exits expires with result_expires)
    result.notes = [...(result.notes ?? []), `fleet mode: jobctl started no worker; ${names.length} worker(s) consume ${req.queue}`, ...section.notes];
    if (baseline && req.baselineFile) result.baseline = compareWithBaseline(result, baseline, req.baselineFile);
    return result;
  } finally {
    if (events && !restoreDone && (lease || events.enabledByJobctl.length)) await restoreEvents().catch(() => undefined);
    else if (lease) await (lease as EventsLease).release(transport).catch(() => undefined);
    await receiver?.close();
    await deleteOwnResults(backendUrl, [...probeIds, ...collector.unfinishedIds()]).catch(() => undefined);
    await transport.close();
  }
}

/** Refuse a task that no worker of the fleet registers (every task would be lost), name the ones that lack it. */
function checkRegistered(facts: WorkerFacts[], task: string, queue: string): void {
  const known = facts.filter((f) => f.registered !== null);
  const lacking = known.filter((f) => !f.registered!.includes(task)).map((f) => f.name);
  if (known.length && lacking.length === known.length) {
    const hint = task.startsWith('jobctl_loadprobe.') ? ': the fleet does not load jobctl_loadprobe (add --include jobctl_loadprobe to the worker command, with templates/python/jobctl_loadprobe.py on its path), or pass --task with one of your tasks' : '; pass --task with a task the fleet registers';
    throw new JobctlError(`no worker consuming ${queue} registers ${task} (${lacking.slice(0, 6).join(', ')})${hint}`);
  }
  if (lacking.length) throw new JobctlError(`${lacking.length} of ${known.length} workers consuming ${queue} do not register ${task} (${lacking.slice(0, 6).join(', ')}): a rollout half done? Their share of the tasks would be rejected; run \`jobctl smoke-test --fleet\` to compare the workers`);
}

/**
 * Thresholds on what only the events and the RSS probe measure in fleet mode: run time and queue
 * wait (the whole fleet's), rss_growth and rss_per_1k (the worst worker's). The rest stand as run.ts
 * evaluated them.
 */
function reevaluate(thresholds: Threshold[], r: LoadTestResult, f: FleetSection): ThresholdOutcome[] {
  const fromSummary = (s: LatencySummary) => {
    const h = s.count ? hdr.decodeFromCompressedBase64(s.histogram) : null;
    return { count: s.count, mean: s.mean, max: s.max, percentile: (p: number) => (h ? Math.round(h.getValueAtPercentile(p)) / 1000 : 0) };
  };
  const mems = f.workers.map((w) => w.memory).filter((m) => m !== null);
  const worst = (pick: (m: NonNullable<FleetWorkerRow['memory']>) => number | null): number | null => {
    const v = mems.map(pick).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  const inputs: ThresholdInputs = {
    latency: { e2e: fromSummary(r.latency.e2e), queue_wait: fromSummary(f.queueWait), runtime: fromSummary(f.runtime) },
    published: r.counts.published, failed: r.counts.failed, lost: r.counts.lost, timedOut: r.counts.timedOut,
    throughputPerSec: r.throughput.completedPerSec,
    rssGrowthPct: worst((m) => m.growthPct),
    rssPer1kBytes: worst((m) => m.per1kTasksBytes),
  };
  return thresholds.map((t, i) => {
    const fleetMetric = (t.metric.type === 'latency' && t.metric.latency !== 'e2e') || t.metric.type === 'rss_growth' || t.metric.type === 'rss_per_1k';
    return fleetMetric ? evaluateThreshold(t, inputs) : r.thresholds[i]!;
  });
}

function summarise(values: (string | null)[]): string | null {
  const set = [...new Set(values.filter((v): v is string => v !== null))];
  return set.length ? set.join(' + ') : null;
}

function fleetNotes(s: FleetSection, facts: WorkerFacts[], withProbe: string[]): string[] {
  const notes: string[] = [];
  const offsets = s.workers.map((w) => w.clockOffset).filter((o) => o !== null);
  if (offsets.length) {
    const widest = Math.max(...offsets.map((o) => o.highMs - o.lowMs));
    notes.push(`queue wait compares jobctl's clock with each worker's: each worker's clock offset was bounded from this run (a task is received after it is published, an event is heard after it is sent) and the middle of that interval applied; queue-wait figures are good to within ±${Math.round(Math.max(0, widest) / 2)} ms (the widest interval's half-width). Run time and the wait inside the worker use one worker's clock and need no assumption; end-to-end uses jobctl's clock only`);
  }
  notes.push('not measured on a fleet jobctl did not start: worker CPU, the RSS of processes no probe task reached (the main process: only its peak ru_maxrss from inspect stats), and errors the workers logged without returning them');
  if (!s.memoryMeasured) notes.push('no memory figures: no worker of the fleet loads jobctl_loadprobe (add `--include jobctl_loadprobe` to the worker command, with templates/python/jobctl_loadprobe.py on its PYTHONPATH)');
  else if (withProbe.length < facts.length) notes.push(`memory measured on ${withProbe.length} of ${facts.length} workers (the others do not load jobctl_loadprobe)`);
  if (s.events.alreadyOn.length) notes.push(`task events were already on for ${s.events.alreadyOn.join(', ')}: left on`);
  if (s.events.restoreFailed.length) notes.push(`could not switch task events off again on ${s.events.restoreFailed.join(', ')}: run \`celery -A <app> control disable_events -d <name>\``);
  if (s.unattributed) notes.push(`${s.unattributed} task(s) never produced an event, so they are in the totals but in no worker's row`);
  notes.push('queue depth counts every message on the queue: on a queue other producers use too, theirs are included');
  return notes;
}

function waitFor(cond: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    const t = setInterval(() => { if (cond() || Date.now() > end) { clearInterval(t); resolve(); } }, 25);
  });
}
