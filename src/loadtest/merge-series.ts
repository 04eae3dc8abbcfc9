// The parts of `load-test merge` that are not plain sums: the timeline (re-bucketed on wall-clock
// seconds), worker memory (the worst worker's verdict) and CPU. `sharedQueue` says whether the
// producers measured one fleet (same queue: depth and worker figures are one thing seen N times, so
// the largest is kept) or each its own worker (summed).
import { JobctlError } from '../util/errors.js';
import { decodeHistogram, newHistogram, type TimelinePoint } from './stats.js';
import type { MemorySummary } from './memory.js';
import { cpuFigures } from './figures.js';
import type { LoadTestResult } from './types.js';

export interface ShardSeries {
  file: string;
  /** this producer's start, ms after the earliest producer's start */
  offsetMs: number;
  points: TimelinePoint[];
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const nums = (xs: (number | null | undefined)[]): number[] => xs.filter((x): x is number => typeof x === 'number');
const combine = (xs: (number | null | undefined)[], shared: boolean): number | null => {
  const v = nums(xs);
  return v.length === 0 ? null : shared ? Math.max(...v) : v.reduce((a, b) => a + b, 0);
};

/** One point per wall-clock second of the union window; each producer's point goes to the nearest second. */
export function mergeTimeline(series: ShardSeries[], sharedQueue: boolean): TimelinePoint[] {
  const buckets = new Map<number, { file: string; shard: number; p: TimelinePoint }[]>();
  series.forEach((s, shard) => {
    for (const p of s.points) {
      const b = Math.max(1, Math.round((s.offsetMs + p.tMs) / 1000));
      const list = buckets.get(b) ?? [];
      list.push({ file: s.file, shard, p });
      buckets.set(b, list);
    }
  });
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, entries]) => {
    const h = newHistogram();
    for (const { file, p } of entries) {
      if (p.e2eHistogram === undefined) continue;
      try {
        h.add(decodeHistogram(p.e2eHistogram));
      } catch {
        throw new JobctlError(`${file}: a timeline histogram (at ${p.tMs} ms) is not an HdrHistogram encoding; the file was damaged or edited`, { file });
      }
    }
    const pct = (q: number): number | null => (h.totalCount ? round3(h.getValueAtPercentile(q) / 1000) : null);
    // a producer with two points in one second (timer jitter) counts its rate once, as their mean
    const perShard = new Map<number, TimelinePoint[]>();
    for (const e of entries) perShard.set(e.shard, [...(perShard.get(e.shard) ?? []), e.p]);
    const lastOf = [...perShard.values()].map((ps) => ps.at(-1)!);
    const rate = [...perShard.values()].reduce((a, ps) => a + ps.reduce((x, p) => x + p.completedPerSec, 0) / ps.length, 0);
    return {
      tMs: b * 1000,
      published: entries.reduce((a, e) => a + e.p.published, 0),
      completed: entries.reduce((a, e) => a + e.p.completed, 0),
      failed: entries.reduce((a, e) => a + e.p.failed, 0),
      completedPerSec: round3(rate),
      e2eP50: pct(50),
      e2eP95: pct(95),
      e2eP99: pct(99),
      queueDepth: combine(lastOf.map((p) => p.queueDepth), sharedQueue),
      workerRssBytes: combine(lastOf.map((p) => p.workerRssBytes), sharedQueue),
      workerCpuPct: combine(lastOf.map((p) => p.workerCpuPct), sharedQueue),
      jobctlCpuPct: combine(lastOf.map((p) => p.jobctlCpuPct), false),
    };
  });
}

const VERDICT_RANK: Record<MemorySummary['verdict'], number> = { leak: 2, 'no-leak': 1, 'insufficient-data': 0 };

/** The worst worker's memory summary (a leak anywhere fails an rss threshold), or null when none was measured. */
export function mergeMemory(rs: LoadTestResult[]): MemorySummary | null {
  const ms = rs.map((r) => r.memory).filter((m): m is MemorySummary => m !== null && m !== undefined);
  if (ms.length === 0) return null;
  const score = (m: MemorySummary): [number, number, number] => [VERDICT_RANK[m.verdict] ?? 0, m.growthPct ?? -Infinity, m.per1kTasksBytes ?? -Infinity];
  const worst = ms.reduce((a, b) => {
    const [x, y] = [score(a), score(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i]! > x[i]! ? b : a;
    return a;
  });
  if (ms.length === 1) return worst;
  const k = rs.findIndex((r) => r.memory === worst);
  const shard = rs[k]?.shard;
  return { ...worst, reason: `${shard ? `producer ${shard.index}/${shard.count}'s worker (the worst of ${ms.length}): ` : ''}${worst.reason}` };
}

export function mergeCpu(rs: LoadTestResult[], sharedQueue: boolean, completed: number, seconds: number): LoadTestResult['cpu'] {
  const workerMs = combine(rs.map((r) => r.cpu.workerMs), sharedQueue);
  return cpuFigures(workerMs, rs.reduce((a, r) => a + r.cpu.jobctlMs, 0), completed, seconds);
}
