// Figures a load-test result derives the same way whether it was measured (run.ts) or merged from
// producers (merge.ts): the threshold verdicts and the CPU figures.
import { evaluateThreshold, type Threshold, type ThresholdInputs, type ThresholdOutcome } from './thresholds.js';
import type { MemorySummary } from './memory.js';
import type { LoadCounts, LoadTestResult } from './types.js';

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export function judgeThresholds(thresholds: Threshold[], f: { latency: ThresholdInputs['latency']; counts: LoadCounts; throughputPerSec: number; memory: MemorySummary | null }): ThresholdOutcome[] {
  return thresholds.map((t) => evaluateThreshold(t, {
    latency: f.latency,
    published: f.counts.published,
    failed: f.counts.failed,
    lost: f.counts.lost,
    timedOut: f.counts.timedOut,
    throughputPerSec: f.throughputPerSec,
    rssGrowthPct: f.memory?.growthPct ?? null,
    rssPer1kBytes: f.memory?.per1kTasksBytes ?? null,
  }));
}

/** CPU of the worker tree (null when not measured) and of jobctl, per task and as % of one core over `seconds`. */
export function cpuFigures(workerMs: number | null, jobctlMs: number, completed: number, seconds: number): LoadTestResult['cpu'] {
  return {
    workerMs,
    jobctlMs,
    workerMsPerTask: workerMs !== null && completed ? round3(workerMs / completed) : null,
    jobctlMsPerTask: completed ? round3(jobctlMs / completed) : null,
    workerPct: workerMs !== null ? round1(workerMs / 10 / seconds) : null,
    jobctlPct: round1(jobctlMs / 10 / seconds),
  };
}
