// A small k6-like threshold language for `jobctl load-test --threshold`.
//
//   threshold  := metric op number unit?
//   metric     := [latency '.'] stat | 'errors' | 'lost' | 'throughput' | 'rss_growth' | 'rss_per_1k' | 'timeouts'
//   latency    := 'e2e' | 'queue_wait' | 'runtime'           (default: e2e)
//   stat       := 'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'mean' | 'p(' number ')'
//   op         := '<' | '<=' | '>' | '>=' | '=='
//   unit       := 'ms' | 's' | 'm' (durations) | '%' | '/s' | 'KB' | 'MB' | 'GB' (bytes)
//
// Examples: p95<3s, queue_wait.p99<=500ms, errors<2%, lost==0, throughput>=100/s, rss_growth<10%, rss_per_1k<5MB.
// The grammar mirrors k6's `p(95)<200` strings (k6-docs: using-k6/thresholds.md) with units added.
// A bad expression throws a JobctlError with one line naming the expression and what to write instead.
import { JobctlError } from '../util/errors.js';

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==';
export type LatencyKind = 'e2e' | 'queue_wait' | 'runtime';
export type LatencyStat = { kind: 'percentile'; p: number } | { kind: 'max' } | { kind: 'mean' };

export type ThresholdMetric =
  | { type: 'latency'; latency: LatencyKind; stat: LatencyStat }
  | { type: 'errors'; asPercent: boolean }
  | { type: 'lost'; asPercent: boolean }
  | { type: 'timeouts'; asPercent: boolean }
  | { type: 'throughput' }
  | { type: 'rss_growth' }
  | { type: 'rss_per_1k' };

export interface Threshold {
  /** The text the user wrote, kept for reports. */
  expression: string;
  metric: ThresholdMetric;
  op: ThresholdOp;
  /** Normalised: milliseconds for latency, percent for %-metrics, count, tasks/s, bytes for rss_per_1k. */
  value: number;
}

/** The measured figures a threshold is evaluated against (normalised like Threshold.value). */
export interface ThresholdInputs {
  latency: Record<LatencyKind, { count: number; mean: number; max: number; percentile: (p: number) => number }>;
  published: number;
  failed: number;
  lost: number;
  timedOut: number;
  throughputPerSec: number;
  rssGrowthPct: number | null;
  rssPer1kBytes: number | null;
}

export interface ThresholdOutcome {
  expression: string;
  /** Canonical metric name, e.g. `e2e.p95`, `errors`, `rss_growth`. */
  metric: string;
  op: ThresholdOp;
  limit: number;
  /** null when the run did not produce the figure (e.g. no RSS samples); such a threshold fails. */
  actual: number | null;
  unit: 'ms' | '%' | 'count' | '/s' | 'bytes';
  pass: boolean;
  note?: string;
}

const LATENCY_KINDS: readonly LatencyKind[] = ['e2e', 'queue_wait', 'runtime'];
const HELP = 'write e.g. p95<3s, queue_wait.p99<500ms, errors<2%, lost==0, throughput>100/s, rss_growth<10%, rss_per_1k<5MB';

function bad(expression: string, why: string): JobctlError {
  return new JobctlError(`--threshold '${expression}': ${why}; ${HELP}`);
}

export function parseThreshold(expression: string): Threshold {
  const text = expression.trim();
  if (text === '') throw bad(expression, 'empty expression');
  const m = /^([A-Za-z_][A-Za-z0-9_.]*(?:\(\s*[0-9.]+\s*\))?)\s*(<=|>=|==|<|>|=(?!=)|!=)\s*(.*)$/.exec(text);
  if (!m) throw bad(expression, 'expected <metric> <op> <value>, with op one of < <= > >= ==');
  const [, metricText, opText, rhs] = m as unknown as [string, string, string, string];
  if (opText === '=') throw bad(expression, "use '==' for equality");
  if (opText === '!=') throw bad(expression, "'!=' is not supported");
  const op = opText as ThresholdOp;
  const metric = parseMetric(expression, metricText);
  const valueMatch = /^(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z%/]*)\s*$/.exec(rhs);
  if (!valueMatch) throw bad(expression, `'${rhs.trim()}' is not a number with an optional unit`);
  const num = Number(valueMatch[1]);
  const unit = valueMatch[2] ?? '';
  return { expression: text, metric: withUnitFlags(expression, metric, unit), op, value: normaliseValue(expression, metric, num, unit) };
}

function parseMetric(expression: string, raw: string): ThresholdMetric {
  const name = raw.replace(/\s+/g, '').toLowerCase();
  // a latency prefix is letters and '_' only, so the dot in p(99.9) or p99.9 is not taken for one
  const prefixed = /^([a-z_]+)\.(.+)$/.exec(name);
  if (prefixed) {
    const prefix = prefixed[1]!;
    const rest = prefixed[2]!;
    const latency = prefix === 'queue' || prefix === 'wait' ? 'queue_wait' : prefix === 'run' ? 'runtime' : prefix;
    if (!(LATENCY_KINDS as readonly string[]).includes(latency)) {
      throw bad(expression, `unknown latency '${prefix}' (use e2e, queue_wait or runtime)`);
    }
    return { type: 'latency', latency: latency as LatencyKind, stat: parseStat(expression, rest) };
  }
  switch (name) {
    case 'errors': case 'error': case 'failed': return { type: 'errors', asPercent: false };
    case 'lost': return { type: 'lost', asPercent: false };
    case 'timeouts': case 'timeout': return { type: 'timeouts', asPercent: false };
    case 'throughput': case 'rps': case 'tps': return { type: 'throughput' };
    case 'rss_growth': return { type: 'rss_growth' };
    case 'rss_per_1k': return { type: 'rss_per_1k' };
    default: return { type: 'latency', latency: 'e2e', stat: parseStat(expression, name) };
  }
}

function parseStat(expression: string, stat: string): LatencyStat {
  if (stat === 'max') return { kind: 'max' };
  if (stat === 'mean' || stat === 'avg') return { kind: 'mean' };
  if (stat === 'med' || stat === 'median') return { kind: 'percentile', p: 50 };
  const m = /^p(?:\(([0-9]+(?:\.[0-9]+)?)\)|([0-9]+(?:\.[0-9]+)?))$/.exec(stat);
  if (m) {
    const p = Number(m[1] ?? m[2]);
    if (!(p > 0 && p <= 100)) throw bad(expression, `percentile ${p} is outside 0-100`);
    return { kind: 'percentile', p };
  }
  throw bad(expression, `unknown metric '${stat}'`);
}

function withUnitFlags(expression: string, metric: ThresholdMetric, unit: string): ThresholdMetric {
  if (metric.type === 'errors' || metric.type === 'lost' || metric.type === 'timeouts') {
    if (unit !== '' && unit !== '%') throw bad(expression, `${metric.type} takes a count or a percentage, not '${unit}'`);
    return { ...metric, asPercent: unit === '%' };
  }
  return metric;
}

function normaliseValue(expression: string, metric: ThresholdMetric, num: number, unit: string): number {
  if (num < 0) throw bad(expression, 'the limit must not be negative');
  switch (metric.type) {
    case 'latency': {
      const u = unit.toLowerCase();
      if (u === 'ms') return num;
      if (u === 's') return num * 1000;
      if (u === 'm' || u === 'min') return num * 60_000;
      if (u === 'us' || u === 'µs') return num / 1000;
      if (u === '') throw bad(expression, 'a latency limit needs a unit (ms or s)');
      throw bad(expression, `unknown duration unit '${unit}' (use ms or s)`);
    }
    case 'errors': case 'lost': case 'timeouts':
      if (unit === '%' && num > 100) throw bad(expression, 'a percentage must be at most 100%');
      if (unit === '' && !Number.isInteger(num)) throw bad(expression, `a ${metric.type} count must be a whole number (or add %)`);
      return num;
    case 'throughput':
      if (unit !== '' && unit !== '/s') throw bad(expression, `throughput is in tasks per second ('/s'), not '${unit}'`);
      return num;
    case 'rss_growth':
      if (unit !== '%') throw bad(expression, 'rss_growth is a percentage: write e.g. rss_growth<10%');
      return num;
    case 'rss_per_1k': {
      const u = unit.toUpperCase();
      const factor = u === 'B' || u === '' ? 1 : u === 'KB' || u === 'K' || u === 'KIB' ? 1024 : u === 'MB' || u === 'M' || u === 'MIB' ? 1024 ** 2 : u === 'GB' || u === 'G' || u === 'GIB' ? 1024 ** 3 : NaN;
      if (Number.isNaN(factor)) throw bad(expression, `unknown size unit '${unit}' (use KB, MB or GB)`);
      return num * factor;
    }
  }
}

export function parseThresholds(expressions: readonly string[]): Threshold[] {
  return expressions.map(parseThreshold);
}

export function metricName(metric: ThresholdMetric): string {
  if (metric.type !== 'latency') return metric.type;
  const s = metric.stat;
  return `${metric.latency}.${s.kind === 'percentile' ? `p${s.p}` : s.kind}`;
}

function compare(actual: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return Math.abs(actual - limit) < 1e-9;
  }
}

export function evaluateThreshold(t: Threshold, inputs: ThresholdInputs): ThresholdOutcome {
  const base = { expression: t.expression, metric: metricName(t.metric), op: t.op, limit: t.value };
  const pct = (n: number): number => (inputs.published === 0 ? 0 : (n / inputs.published) * 100);
  let actual: number | null;
  let unit: ThresholdOutcome['unit'];
  let note: string | undefined;
  switch (t.metric.type) {
    case 'latency': {
      const h = inputs.latency[t.metric.latency];
      unit = 'ms';
      if (h.count === 0) { actual = null; note = `no ${t.metric.latency} samples were recorded`; break; }
      const s = t.metric.stat;
      actual = s.kind === 'max' ? h.max : s.kind === 'mean' ? h.mean : h.percentile(s.p);
      break;
    }
    case 'errors': case 'lost': case 'timeouts': {
      const n = t.metric.type === 'errors' ? inputs.failed : t.metric.type === 'lost' ? inputs.lost : inputs.timedOut;
      unit = t.metric.asPercent ? '%' : 'count';
      actual = t.metric.asPercent ? pct(n) : n;
      break;
    }
    case 'throughput': unit = '/s'; actual = inputs.throughputPerSec; break;
    case 'rss_growth':
      unit = '%'; actual = inputs.rssGrowthPct;
      if (actual === null) note = 'no worker memory samples after warm-up';
      break;
    case 'rss_per_1k':
      unit = 'bytes'; actual = inputs.rssPer1kBytes;
      if (actual === null) note = 'not enough memory samples after warm-up';
      break;
  }
  const pass = actual !== null && compare(actual, t.op, t.value);
  return { ...base, actual, unit, pass, ...(note ? { note } : {}) };
}
