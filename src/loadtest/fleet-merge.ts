// `load-test merge` of `--fleet --shard i/N` producers: their per-worker fleet sections become one,
// merged exactly where the data allows, and the SLOW/LEAK verdicts are made again on the whole.
//   - counts per worker add up: each producer attributes only the tasks it published (its own task-id
//     prefix; fleet-stats.ts walks its own published ids), so no task is counted twice;
//   - run time, wait in the worker, queue wait and end-to-end per worker: the producers' HDR
//     histograms are added (exact); queue wait was corrected by each producer with its own clock
//     offset before it was recorded, so the added histogram is the corrected one;
//   - clock offsets are per producer (different producer hosts have different clocks): kept side by
//     side, never intersected; the row's own interval is kept only when one producer measured it;
//   - RSS per worker: every producer's probe reports (per pool process) are placed on the wall clock,
//     each process at its latest report, summed once every process was seen; x = the tasks that
//     worker had finished for all producers by then (each producer's count at its latest sample);
//     the leak verdict is made on that merged series.
import { LatencyRecorder, decodeHistogram, newHistogram, type LatencySummary } from './stats.js';
import { analyseMemory, type TreeSample } from './memory.js';
import { flagOutliers, type FleetSection, type FleetWorkerRow, type PoolProcessMemory } from './fleet-stats.js';
import type { LoadTestResult } from './types.js';
import type { ShardFacts } from './shard.js';

type FleetShard = LoadTestResult & { shard: ShardFacts; fleet: FleetSection };

/** The producers' summaries of one figure, their histograms added; min and max the exact extremes. */
export function addSummaries(summaries: (LatencySummary | null | undefined)[]): LatencySummary {
  const h = newHistogram();
  const withData = summaries.filter((s): s is LatencySummary => !!s && s.count > 0);
  for (const s of withData) h.add(decodeHistogram(s.histogram));
  const summary = new LatencyRecorder(h).summary();
  if (withData.length) {
    summary.min = Math.min(...withData.map((s) => s.min));
    summary.max = Math.max(...withData.map((s) => s.max));
  }
  return summary;
}

/** null when no producer ran with --fleet; a one-line problem when only some did or the queues differ. */
export function mergeFleetSections(rs: (LoadTestResult & { shard: ShardFacts })[]): { fleet: FleetSection | null; problem: string | null } {
  const withFleet = rs.filter((r): r is FleetShard => !!r.fleet);
  if (!withFleet.length) return { fleet: null, problem: null };
  if (withFleet.length !== rs.length) return { fleet: null, problem: `only shard(s) ${withFleet.map((r) => r.shard.index).join(', ')} ran with --fleet; run every producer of a fleet run with --fleet` };
  const queues = [...new Set(withFleet.map((r) => r.fleet.queue))];
  if (queues.length > 1) return { fleet: null, problem: `the producers drove different queues (${queues.join(', ')}); a fleet run's producers publish to one --queue` };
  const sections = withFleet.map((r) => r.fleet);
  const unionStart = Math.min(...withFleet.map((r) => r.fleet.runStartMs ?? Date.parse(r.startedAt)));
  const names = [...new Set(sections.flatMap((s) => s.workers.map((w) => w.name)))];
  const rows: FleetWorkerRow[] = names.map((name) => mergeRow(name, withFleet, unionStart));
  const total = rows.reduce((a, w) => a + w.tasks, 0);
  for (const w of rows) w.sharePct = total ? Math.round((w.tasks / total) * 1000) / 10 : 0;
  const enabled = uniq(sections.flatMap((s) => s.events.enabledByJobctl));
  const restored = uniq(sections.flatMap((s) => s.events.restored));
  const unavailable = new Map<string, { name: string; reason: string }>();
  for (const u of sections.flatMap((s) => s.events.unavailable)) if (!unavailable.has(u.name)) unavailable.set(u.name, u);
  const events: FleetSection['events'] = {
    enabledByJobctl: enabled,
    alreadyOn: uniq(sections.flatMap((s) => s.events.alreadyOn)).filter((n) => !enabled.includes(n)),
    unavailable: [...unavailable.values()],
    restored,
    restoreFailed: uniq(sections.flatMap((s) => s.events.restoreFailed)).filter((n) => !restored.includes(n)),
    // every producer hears every task event of the fleet (its own and the others'): not summed
    heard: Math.max(...sections.map((s) => s.events.heard)),
  };
  flagOutliers(rows, events);
  const memoryMeasured = sections.some((s) => s.memoryMeasured);
  const notes = [
    `fleet sections of ${sections.length} producers merged: per-worker task counts summed (each producer attributes only its own tasks), per-worker latency histograms added (exact), RSS reports of every producer's probes merged on the wall clock; SLOW/LEAK judged again on the merged figures`,
    ...(new Set(withFleet.map((r) => r.shard.producer?.host ?? '?')).size > 1 ? ['clock offsets are per producer host (listed per worker in --json: fleet.workers[].clockOffsets); each producer corrected its queue wait with its own'] : []),
    ...uniq(sections.flatMap((s) => s.notes)),
  ];
  return {
    fleet: {
      queue: queues[0]!,
      workers: rows,
      otherWorkers: uniq(sections.flatMap((s) => s.otherWorkers)),
      events,
      unattributed: sections.reduce((a, s) => a + s.unattributed, 0),
      memoryMeasured,
      notes,
      runtime: addSummaries(sections.map((s) => s.runtime)),
      queueWait: addSummaries(sections.map((s) => s.queueWait)),
      runStartMs: unionStart,
    },
    problem: null,
  };
}

function mergeRow(name: string, rs: FleetShard[], unionStart: number): FleetWorkerRow {
  const parts = rs.map((r) => ({ r, w: r.fleet.workers.find((x) => x.name === name) })).filter((p): p is { r: FleetShard; w: FleetWorkerRow } => !!p.w);
  const ws = parts.map((p) => p.w);
  const first = <K extends keyof FleetWorkerRow>(k: K): FleetWorkerRow[K] => (ws.find((w) => w[k] !== null)?.[k] ?? null) as FleetWorkerRow[K];
  const offsets = parts.filter((p) => p.w.clockOffset).map((p) => ({ shard: p.r.shard.index, host: p.r.shard.producer?.host ?? '?', ...p.w.clockOffset! }));
  const peaks = ws.map((w) => w.mainPeakRssBytes).filter((x): x is number => x !== null);
  const tasks = ws.reduce((a, w) => a + w.tasks, 0);
  const queueWaits = ws.map((w) => w.queueWait).filter((q) => q !== null);
  return {
    name,
    celery: first('celery'),
    kombu: first('kombu'),
    pool: first('pool'),
    concurrency: first('concurrency'),
    tasks,
    failed: ws.reduce((a, w) => a + w.failed, 0),
    sharePct: 0,
    runtime: addSummaries(ws.map((w) => w.runtime)),
    workerWait: addSummaries(ws.map((w) => w.workerWait)),
    queueWait: queueWaits.length ? addSummaries(queueWaits) : null,
    e2e: addSummaries(ws.map((w) => w.e2e)),
    clockOffset: offsets.length === 1 ? { lowMs: offsets[0]!.lowMs, highMs: offsets[0]!.highMs, usedMs: offsets[0]!.usedMs } : null,
    clockOffsets: offsets,
    memory: mergeWorkerMemory(parts, unionStart, tasks),
    mainPeakRssBytes: peaks.length ? Math.max(...peaks) : null,
    flags: [],
    why: [],
  };
}

/** One worker's RSS series from every producer's probe reports, on the wall clock (see the header). */
function mergeWorkerMemory(parts: { r: FleetShard; w: FleetWorkerRow }[], unionStart: number, tasks: number): FleetWorkerRow['memory'] {
  const withMem = parts.filter((p) => p.w.memory);
  if (!withMem.length) return null;
  // a producer's sample carries every process at its latest report; a process whose figure changed
  // since that producer's previous sample (or every process, on its first) was just reported
  const reports: { at: number; shard: number; fresh: [string, number][]; completed: number }[] = [];
  for (const { r, w } of withMem) {
    const t0 = r.fleet.runStartMs ?? Date.parse(r.startedAt);
    let prev: Record<string, number> | null = null;
    for (const s of w.memory!.samples) {
      const fresh = Object.entries(s.perPid).filter(([pid, v]) => !prev || prev[pid] !== v);
      reports.push({ at: t0 + s.tMs, shard: r.shard.index, fresh, completed: s.completed });
      prev = s.perPid;
    }
  }
  reports.sort((a, b) => a.at - b.at);
  const pids = new Set(withMem.flatMap(({ w }) => w.memory!.samples.flatMap((s) => Object.keys(s.perPid))));
  const last = new Map<string, number>();
  const completedBy = new Map<number, number>();
  const samples: TreeSample[] = [];
  for (const rep of reports) {
    for (const [pid, v] of rep.fresh) last.set(pid, v);
    completedBy.set(rep.shard, rep.completed);
    if (last.size < pids.size) continue;
    samples.push({
      tMs: Math.round(rep.at - unionStart),
      completed: [...completedBy.values()].reduce((a, b) => a + b, 0),
      rssBytes: [...last.values()].reduce((a, b) => a + b, 0),
      perPid: Object.fromEntries(last),
      cpuMs: 0,
    });
  }
  const procs = new Map<number, PoolProcessMemory & { at0: number; at1: number }>();
  for (const { r, w } of withMem) {
    const t0 = r.fleet.runStartMs ?? Date.parse(r.startedAt);
    const at0 = t0 + (w.memory!.samples[0]?.tMs ?? 0);
    const at1 = t0 + (w.memory!.samples.at(-1)?.tMs ?? 0);
    for (const p of w.memory!.processes) {
      const q = procs.get(p.pid);
      if (!q) { procs.set(p.pid, { ...p, at0, at1 }); continue; }
      q.samples += p.samples;
      if (at0 < q.at0) { q.firstBytes = p.firstBytes; q.at0 = at0; }
      if (at1 > q.at1) { q.lastBytes = p.lastBytes; q.at1 = at1; }
    }
  }
  const processes = [...procs.values()].map(({ pid, firstBytes, lastBytes, samples: n }) => ({ pid, firstBytes, lastBytes, samples: n })).sort((a, b) => a.pid - b.pid);
  return { ...analyseMemory(samples, Math.floor(tasks * 0.1)), processes };
}

/** rss thresholds in fleet mode judge the worst worker (as a single fleet producer does). */
export function worstWorkerMemory(f: FleetSection): { growthPct: number | null; per1kTasksBytes: number | null } {
  const mems = f.workers.map((w) => w.memory).filter((m) => m !== null);
  const worst = (v: (number | null)[]): number | null => {
    const xs = v.filter((x): x is number => x !== null);
    return xs.length ? Math.max(...xs) : null;
  };
  return { growthPct: worst(mems.map((m) => m.growthPct)), per1kTasksBytes: worst(mems.map((m) => m.per1kTasksBytes)) };
}

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
