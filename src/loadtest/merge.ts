// `jobctl load-test merge a.json b.json …`: the --json files of the N `--shard i/N` producers of one
// run become ONE LoadTestResult, merged exactly where the data allows it:
//   - latency: the producers' HDR histograms are added (same layout: 3 significant digits, µs), so
//     every percentile, the mean, min and max equal those of one producer that recorded all timings;
//   - counts and error types are summed; throughput is over the union window (earliest start to
//     latest end, on the producers' wall clocks);
//   - the timeline is re-bucketed on wall-clock seconds, its percentiles from the windows' histograms;
//   - the thresholds (the merge's --threshold flags, else the ones the shards were given, else the
//     defaults) are applied to the whole.
// Every input is checked first: one run id, one shard count, each index once, all present (or
// --allow-missing, said in the result); a bad or foreign file is a one-line error naming it.
import { promises as fs } from 'node:fs';
import { JobctlError } from '../util/errors.js';
import { decodeHistogram, LatencyRecorder, newHistogram, type LatencySummary } from './stats.js';
import { parseThresholds } from './thresholds.js';
import { judgeThresholds } from './figures.js';
import { DEFAULT_THRESHOLDS } from './run.js';
import { LOAD_TEST_SCHEMA, type LoadCounts, type LoadEnvironmentInfo, type LoadTestResult } from './types.js';
import { mergeCpu, mergeMemory, mergeTimeline } from './merge-series.js';
import type { ShardFacts } from './shard.js';
import { mergeFleetSections, worstWorkerMemory } from './fleet-merge.js';
import type { MemorySummary } from './memory.js';
import type { JsHistogram } from 'hdr-histogram-js';

export interface MergedShard {
  index: number;
  file: string;
  host: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  published: number;
  failed: number;
  lost: number;
  interrupted: boolean;
  e2eP95: number;
}

export interface MergeFacts {
  runId: string;
  count: number;
  /** shard indexes that were not given (merged anyway with --allow-missing) */
  missing: number[];
  shards: MergedShard[];
  /** true when every producer published to the same queue on the same broker (one fleet): queue depth
   *  and worker figures are then the same thing seen N times, and are not summed */
  sharedQueue: boolean;
}

export interface ShardInput {
  file: string;
  result: LoadTestResult & { shard: ShardFacts };
  hist: { e2e: JsHistogram; queueWait: JsHistogram; runtime: JsHistogram };
}

export interface MergeOptions {
  /** --threshold flags of the merge (win over the ones stored by the shards) */
  thresholds?: string[];
  /** merge even when some of the N shards are missing */
  allowMissing?: boolean;
}

const HOW = 'pass the --json files written by `jobctl load-test --shard i/N --run-id ID`';

export async function readShardFile(file: string): Promise<ShardInput> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new JobctlError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${HOW}`, { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new JobctlError(`${file}: not JSON (a log with other lines in it?); ${HOW} (stdout of --json, or its -o file)`, { file });
  }
  return checkShardResult(file, data);
}

/** One parsed file, checked: a shard's load-test result with decodable histograms that match its counts. */
export function checkShardResult(file: string, data: unknown): ShardInput {
  const r = data as Partial<LoadTestResult> & { error?: { message?: string; exitCode?: number } };
  if (r && typeof r === 'object' && r.error && typeof r.error === 'object') {
    throw new JobctlError(`${file}: this producer failed (exit ${r.error.exitCode ?? '?'}: ${r.error.message ?? 'no message'}); rerun that shard before merging`, { file });
  }
  if (!r || typeof r !== 'object' || r.schema !== LOAD_TEST_SCHEMA || !r.latency || !r.counts || !r.timeline) {
    throw new JobctlError(`${file}: not a jobctl load-test result (expected "schema": "${LOAD_TEST_SCHEMA}"); ${HOW}`, { file });
  }
  if (r.merged) throw new JobctlError(`${file}: already a merged result (of run ${r.merged.runId}); merge the shards' own files`, { file });
  const s = r.shard;
  if (!s || typeof s !== 'object') throw new JobctlError(`${file}: a load-test result of a run without --shard; ${HOW}`, { file });
  if (typeof s.runId !== 'string' || !Number.isInteger(s.index) || !Number.isInteger(s.count) || s.index < 1 || s.index > s.count) {
    throw new JobctlError(`${file}: its "shard" section is damaged (run id, index or count); ${HOW}`, { file });
  }
  const decode = (name: string, summary: { histogram?: unknown; count?: unknown }): JsHistogram => {
    let h: JsHistogram;
    try {
      if (typeof summary.histogram !== 'string') throw new Error('missing');
      h = decodeHistogram(summary.histogram);
    } catch {
      throw new JobctlError(`${file}: the ${name} histogram is missing or not an HdrHistogram compressed base64 encoding; the file was damaged or edited`, { file });
    }
    if (h.totalCount !== summary.count) throw new JobctlError(`${file}: the ${name} histogram holds ${h.totalCount} timings but the file says ${String(summary.count)}; the file was damaged or edited`, { file });
    return h;
  };
  const hist = { e2e: decode('e2e', r.latency.e2e), queueWait: decode('queue_wait', r.latency.queueWait), runtime: decode('runtime', r.latency.runtime) };
  return { file, result: r as ShardInput['result'], hist };
}

/** The files belong together: one run id and shard count, each index once, the same task and loop. */
export function checkShardSet(inputs: ShardInput[], opts: MergeOptions = {}): { missing: number[] } {
  if (inputs.length === 0) throw new JobctlError(`no files to merge; ${HOW}`);
  const first = inputs[0]!;
  const { runId, count } = first.result.shard;
  const seen = new Map<number, string>();
  for (const { file, result: r } of inputs) {
    const s = r.shard;
    if (s.runId !== runId) throw new JobctlError(`${file}: shard of run '${s.runId}', but ${first.file} is of run '${runId}'; merge the files of one run`, { file });
    if (s.count !== count) throw new JobctlError(`${file}: shard ${s.index}/${s.count}, but ${first.file} says the run has ${count} shards; merge the files of one run`, { file });
    const dup = seen.get(s.index);
    if (dup === file) throw new JobctlError(`${file}: given twice; pass each shard's file once`, { file });
    if (dup !== undefined) throw new JobctlError(`${file}: shard ${s.index}/${count} is also ${dup}; pass each shard once (a retried producer sends its share twice: use backoffLimit 0)`, { file });
    seen.set(s.index, file);
    if (r.task !== first.result.task) throw new JobctlError(`${file}: ran task ${r.task}, but ${first.file} ran ${first.result.task}; the shards of one run send the same task`, { file });
    if (r.mode !== first.result.mode) throw new JobctlError(`${file}: ran ${r.mode} loop, but ${first.file} ran ${first.result.mode} loop; give every shard the same --rate or --concurrency`, { file });
  }
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length && !opts.allowMissing) {
    const given = [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([i, f]) => `${i}/${count} ${f}`).join(', ');
    throw new JobctlError(`run ${runId}: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing (given: ${given}); pass all ${count} files, or --allow-missing to merge only these`);
  }
  return { missing };
}

export async function mergeShardFiles(files: string[], opts: MergeOptions = {}): Promise<LoadTestResult> {
  const inputs: ShardInput[] = [];
  for (const f of files) inputs.push(await readShardFile(f));
  return mergeShards(inputs, opts);
}

export function mergeShards(inputs: ShardInput[], opts: MergeOptions = {}): LoadTestResult {
  const { missing } = checkShardSet(inputs, opts);
  const thresholdTexts = chooseThresholds(inputs, opts.thresholds);
  const thresholds = parseThresholds(thresholdTexts.length ? thresholdTexts : DEFAULT_THRESHOLDS);
  const sorted = [...inputs].sort((a, b) => a.result.shard.index - b.result.shard.index);
  const rs = sorted.map((i) => i.result);
  const first = rs[0]!;
  const { runId, count } = first.shard;

  const e2e = mergeLatency(sorted, 'e2e');
  const queueWait = mergeLatency(sorted, 'queueWait');
  const runtime = mergeLatency(sorted, 'runtime');

  const counts = {} as LoadCounts;
  for (const key of Object.keys(first.counts) as (keyof LoadCounts)[]) counts[key] = rs.reduce((a, r) => a + (r.counts[key] ?? 0), 0);
  const errorTypes: Record<string, number> = {};
  const errorMessages: Record<string, string> = {};
  for (const r of rs) {
    for (const [k, v] of Object.entries(r.errorTypes)) errorTypes[k] = (errorTypes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.errorMessages ?? {})) errorMessages[k] ??= v;
  }
  const logErrors = new Map<string, { kind: string; message: string; count: number }>();
  for (const e of rs.flatMap((r) => r.workerLogErrors ?? [])) {
    const k = `${e.kind}\0${e.message}`;
    const prev = logErrors.get(k);
    if (prev) prev.count += e.count; else logErrors.set(k, { ...e });
  }

  const starts = rs.map((r) => Date.parse(r.startedAt));
  const ends = rs.map((r, i) => starts[i]! + r.durationMs);
  const unionStart = Math.min(...starts);
  const durationMs = Math.max(...ends) - unionStart;
  const seconds = Math.max(1e-3, durationMs / 1000);
  const completed = counts.succeeded + counts.failed;
  const sharedQueue = rs.every((r) => r.environment.queue === first.environment.queue && r.environment.broker === first.environment.broker);
  const timeline = mergeTimeline(sorted.map((i, k) => ({ file: i.file, offsetMs: starts[k]! - unionStart, points: i.result.timeline })), sharedQueue);
  const memory = mergeMemory(rs);
  const completedPerSec = round1(completed / seconds);
  const interrupted = rs.some((r) => r.interrupted);

  const fleet = mergeFleetSections(rs);
  if (fleet.problem) throw new JobctlError(`run ${runId}: ${fleet.problem}`);
  // fleet mode: rss thresholds judge the worst worker's merged series (no worker tree of jobctl's own)
  const judged = fleet.fleet ? worstWorkerMemory(fleet.fleet) as MemorySummary : memory;
  const outcomes = judgeThresholds(thresholds, { latency: { e2e: e2e.input, queue_wait: queueWait.input, runtime: runtime.input }, counts, throughputPerSec: completedPerSec, memory: judged });

  const concurrency = first.mode === 'closed' ? rs.reduce((a, r) => a + (r.concurrency ?? 0), 0) : null;
  const ratePerSec = first.mode === 'open' ? round3(rs.reduce((a, r) => a + (r.ratePerSec ?? 0), 0)) : null;
  const shards: MergedShard[] = sorted.map(({ file, result: r }) => ({
    index: r.shard.index, file, host: r.shard.producer?.host ?? '?', startedAt: r.startedAt, endedAt: r.shard.endedAt ?? new Date(Date.parse(r.startedAt) + r.durationMs).toISOString(),
    durationMs: r.durationMs, published: r.counts.published, failed: r.counts.failed, lost: r.counts.lost, interrupted: r.interrupted, e2eP95: r.latency.e2e.p95,
  }));

  return {
    schema: LOAD_TEST_SCHEMA,
    startedAt: new Date(unionStart).toISOString(),
    durationMs,
    interrupted,
    mode: first.mode,
    concurrency,
    ratePerSec,
    latencyBasis: first.mode === 'closed'
      ? `closed loop (${concurrency} in flight over ${rs.length} producers): service-time percentiles, measured from the actual publish`
      : `open loop (${ratePerSec}/s over ${rs.length} producers): measured from each task's intended send time (coordinated omission corrected)`,
    task: first.task,
    args: first.args,
    kwargs: first.kwargs,
    environment: mergeEnvironment(rs, sharedQueue),
    counts,
    errorTypes,
    errorMessages,
    workerLogErrors: [...logErrors.values()],
    notes: [...mergeNotes(sorted, { runId, count, missing, starts, ends, sharedQueue }), ...(fleet.fleet ? fleet.fleet.notes.slice(0, 1) : [])],
    latency: { e2e: e2e.summary, queueWait: queueWait.summary, runtime: runtime.summary },
    throughput: { completedPerSec, publishedPerSec: round1(counts.published / seconds), peakCompletedPerSec: Math.max(0, ...timeline.map((p) => p.completedPerSec)) },
    queueDepth: sharedQueue
      ? { max: maxOrNull(rs.map((r) => r.queueDepth.max)), end: rs[ends.indexOf(Math.max(...ends))]!.queueDepth.end }
      : { max: sumOrNull(rs.map((r) => r.queueDepth.max)), end: sumOrNull(rs.map((r) => r.queueDepth.end)) },
    cpu: mergeCpu(rs, sharedQueue, completed, seconds),
    memory,
    timeline,
    thresholds: outcomes,
    defaultThresholds: thresholdTexts.length === 0,
    passed: !interrupted && missing.length === 0 && outcomes.every((o) => o.pass),
    merged: { runId, count, missing, shards, sharedQueue },
    ...(fleet.fleet ? { fleet: fleet.fleet } : {}),
  };
}

/**
 * The shards' histograms added. Percentiles, mean and count come from the buckets (exact); min and
 * max are the shards' exact recorded extremes (the encoding keeps only their buckets).
 */
function mergeLatency(inputs: ShardInput[], kind: 'e2e' | 'queueWait' | 'runtime'): { summary: LatencySummary; input: ReturnType<LatencyRecorder['thresholdInput']> } {
  const h = newHistogram();
  for (const i of inputs) h.add(i.hist[kind]);
  const rec = new LatencyRecorder(h);
  const withData = inputs.map((i) => i.result.latency[kind]).filter((s) => s.count > 0);
  const summary = rec.summary();
  if (withData.length) {
    summary.min = Math.min(...withData.map((s) => s.min));
    summary.max = Math.max(...withData.map((s) => s.max));
  }
  return { summary, input: { ...rec.thresholdInput(), max: summary.max } };
}

/** The merge's own --threshold flags, else the ones every shard was given (they must agree), else none (defaults). */
function chooseThresholds(inputs: ShardInput[], own: string[] | undefined): string[] {
  if (own?.length) return own;
  const lists = inputs.map((i) => JSON.stringify(i.result.shard.thresholds ?? []));
  const differ = inputs.find((_, k) => lists[k] !== lists[0]);
  if (differ) throw new JobctlError(`${differ.file}: its producer was given other --threshold flags than ${inputs[0]!.file}'s; pass the thresholds to merge (--threshold …), which then apply to the whole run`, { file: differ.file });
  return inputs[0]!.result.shard.thresholds ?? [];
}

/** Facts the producers agree on as they are; others joined with ' | '. Producers with a worker each: the pool sizes add up. */
function mergeEnvironment(rs: LoadTestResult[], sharedQueue: boolean): LoadEnvironmentInfo {
  const env = { ...rs[0]!.environment };
  if (!sharedQueue && rs.every((r) => r.environment.workerConcurrency !== null)) env.workerConcurrency = rs.reduce((a, r) => a + r.environment.workerConcurrency!, 0);
  for (const key of Object.keys(env) as (keyof LoadEnvironmentInfo)[]) {
    if (key === 'workerConcurrency' && !sharedQueue) continue;
    const values = [...new Set(rs.map((r) => r.environment[key]))];
    if (values.length <= 1) continue;
    if (key === 'workerConcurrency') env.workerConcurrency = null;
    else (env as Record<string, unknown>)[key] = values.map((v) => v ?? '?').join(' | ');
  }
  return env;
}

function mergeNotes(inputs: ShardInput[], ctx: { runId: string; count: number; missing: number[]; starts: number[]; ends: number[]; sharedQueue: boolean }): string[] {
  const notes: string[] = [];
  const { runId, count, missing, starts, ends } = ctx;
  notes.push(`merged ${inputs.length} of ${count} shards of run ${runId}: latency histograms added (exact), counts summed, rates over the union window of the producers' wall clocks`);
  if (missing.length) notes.push(`INCOMPLETE: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing (--allow-missing): the figures cover only the shards given, and the run does not pass`);
  for (const { result: r } of inputs) if (r.interrupted) notes.push(`shard ${r.shard.index}/${count} was interrupted: its figures cover what it measured until then`);
  const spread = Math.max(...starts) - Math.min(...starts);
  if (Math.max(...starts) >= Math.min(...ends)) notes.push(`the producers did not run at the same time (a shard started after another had finished): the merged throughput is over the whole ${Math.round((Math.max(...ends) - Math.min(...starts)) / 1000)} s window`);
  else if (spread > 2000) notes.push(`the producers started up to ${(spread / 1000).toFixed(1)} s apart (or their clocks differ by that much)`);
  if (!ctx.sharedQueue) notes.push('each producer measured its own worker and queue: queue depth, worker RSS and CPU are summed; the memory verdict is the worst worker\'s');
  const own = new Set(inputs.flatMap(({ result: r }) => (r.notes ?? []).filter((n) => !n.startsWith(`shard ${r.shard.index}/`))));
  return [...notes, ...own];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;
export function sumOrNull(values: (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number');
  return v.length ? v.reduce((a, b) => a + b, 0) : null;
}
export function maxOrNull(values: (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
}
