// Latency statistics on HDR histograms (hdr-histogram-js, 3 significant digits) and the per-window
// time series the reports draw. Values are recorded in microseconds so that sub-millisecond round
// trips keep their resolution; every figure leaves this module in milliseconds.
import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** HdrHistogram compressed base64 (values in microseconds), so a later run can merge or compare. */
  histogram: string;
}

export function newHistogram(): JsHistogram {
  // hdr.build without useWebAssembly returns a JsHistogram (hdr-histogram-js HistogramBuilder.ts)
  return hdr.build({ numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true }) as JsHistogram;
}

/**
 * A histogram from its compressed base64 form (HdrHistogram's V2 compressed encoding, readable by the
 * Java, Go, Python and Rust HdrHistogram ports). Throws on anything that is not one.
 */
export function decodeHistogram(base64: string): JsHistogram {
  const h = newHistogram();
  h.add(hdr.decodeFromCompressedBase64(base64, 32, false) as JsHistogram); // the JS decoder (not WebAssembly) returns a JsHistogram
  return h;
}

export const encodeHistogram = (h: JsHistogram): string => hdr.encodeIntoCompressedBase64(h);

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export class LatencyRecorder {
  /** an empty recorder, or one over an existing histogram (a merge of producers' histograms) */
  constructor(readonly histogram: JsHistogram = newHistogram()) {}

  /** Record one latency in milliseconds. Negative values (clock skew between processes) are clamped to 0. */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentile(p: number): number {
    return this.count === 0 ? 0 : round3(this.histogram.getValueAtPercentile(p) / 1000);
  }

  /**
   * count, mean and the percentiles are functions of the buckets alone, so they survive the encoding
   * and a merge exactly; min and max are the exact recorded values (whole µs), which the encoding
   * rounds to their buckets: `load-test merge` takes them from the shards' summaries instead.
   */
  summary(): LatencySummary {
    const h = this.histogram;
    const empty = h.totalCount === 0;
    return {
      count: h.totalCount,
      min: empty ? 0 : round3(h.minNonZeroValue / 1000),
      mean: empty ? 0 : round3(h.mean / 1000),
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: empty ? 0 : round3(h.maxValue / 1000),
      histogram: encodeHistogram(h),
    };
  }

  /** What a --threshold is evaluated against (thresholds.ts ThresholdInputs.latency). */
  thresholdInput(): { count: number; mean: number; max: number; percentile: (p: number) => number } {
    const s = this.count ? this.summary() : null;
    return { count: this.count, mean: s?.mean ?? 0, max: s?.max ?? 0, percentile: (p) => this.percentile(p) };
  }
}

/** One point of the time series (one window, default 1 s). */
export interface TimelinePoint {
  /** Window end, ms since the run started. */
  tMs: number;
  published: number;
  completed: number;
  failed: number;
  /** Completed tasks per second in this window. */
  completedPerSec: number;
  /** End-to-end percentiles of the tasks completed in this window (ms), null when none completed. */
  e2eP50: number | null;
  e2eP95: number | null;
  e2eP99: number | null;
  /** Broker queue depth (LLEN of the queue and its priority sub-queues) at the end of the window. */
  queueDepth: number | null;
  /** RSS of the whole worker process tree (bytes) at the end of the window. */
  workerRssBytes: number | null;
  /** CPU of the worker tree and of jobctl itself over the window, percent of one core. */
  workerCpuPct: number | null;
  jobctlCpuPct: number | null;
  /** --shard runs only: this window's e2e histogram (compressed base64), so a merge of producers recomputes the window's percentiles exactly */
  e2eHistogram?: string;
}

/** Collects counts and an e2e histogram for the current window; `close()` turns it into a point. */
export class WindowRecorder {
  private published = 0;
  private completed = 0;
  private failed = 0;
  private readonly e2e = newHistogram();
  private startedAt: number;

  /** keepHistograms: put each window's encoded e2e histogram on its point (for `load-test merge`) */
  constructor(now: number, private readonly keepHistograms = false) {
    this.startedAt = now;
  }

  onPublished(): void {
    this.published++;
  }

  onCompleted(e2eMs: number, ok: boolean): void {
    this.completed++;
    if (!ok) this.failed++;
    if (Number.isFinite(e2eMs)) this.e2e.recordValue(Math.max(0, Math.round(e2eMs * 1000)));
  }

  close(now: number, runStart: number, extra: Pick<TimelinePoint, 'queueDepth' | 'workerRssBytes' | 'workerCpuPct' | 'jobctlCpuPct'>): TimelinePoint {
    const seconds = Math.max(1e-3, (now - this.startedAt) / 1000);
    const has = this.e2e.totalCount > 0;
    const pct = (p: number): number | null => (has ? round3(this.e2e.getValueAtPercentile(p) / 1000) : null);
    const point: TimelinePoint = {
      tMs: Math.round(now - runStart),
      published: this.published,
      completed: this.completed,
      failed: this.failed,
      completedPerSec: round3(this.completed / seconds),
      e2eP50: pct(50),
      e2eP95: pct(95),
      e2eP99: pct(99),
      ...extra,
      ...(this.keepHistograms && has ? { e2eHistogram: encodeHistogram(this.e2e) } : {}),
    };
    this.published = 0;
    this.completed = 0;
    this.failed = 0;
    this.e2e.reset();
    this.startedAt = now;
    return point;
  }
}
