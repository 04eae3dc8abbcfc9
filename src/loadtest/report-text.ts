// Terminal summary of a LoadTestResult, laid out like k6's end-of-test summary (thresholds first).
import type { LatencySummary } from './stats.js';
import type { LoadTestResult } from './types.js';
import { fmtBytes, fmtMs, fmtNum, fmtPct, fmtValue } from './format.js';
import { shardSectionText, shardVerdictText } from './report-shards.js';
import { renderFleetText } from './fleet-report.js';

const dots = (label: string, width = 20): string => `${label} ${'.'.repeat(Math.max(2, width - label.length))}:`;

function latencyLine(s: LatencySummary): string {
  if (!s.count) return 'no samples';
  return `p50=${fmtMs(s.p50)} p90=${fmtMs(s.p90)} p95=${fmtMs(s.p95)} p99=${fmtMs(s.p99)} max=${fmtMs(s.max)} (n=${s.count})`;
}

export function renderLoadTestText(r: LoadTestResult): string {
  const out: string[] = [];
  const c = r.counts;
  const shape = r.mode === 'closed' ? `closed loop, ${r.concurrency} in flight` : `open loop, ${fmtNum(r.ratePerSec)}/s`;
  for (const n of r.notes ?? []) out.push('', `  NOTE: ${n}`);
  if (r.interrupted) out.push('', `  INTERRUPTED after ${fmtMs(r.durationMs)}: the figures below cover what was measured until then.`);
  out.push('', `  █ THRESHOLDS${r.defaultThresholds ? ' (defaults; set your own with --threshold)' : ''}${r.shard ? ` (applied by \`load-test merge\` to the whole run: ${r.shard.thresholds.length ? r.shard.thresholds.join(', ') : 'the defaults'})` : ''}`);
  for (const t of r.thresholds) {
    out.push(`    ${t.pass ? '✓' : '✗'} '${t.expression}'  ${t.metric}=${fmtValue(t.actual, t.unit)}${t.note ? `  (${t.note})` : ''}`);
  }
  out.push('', `  █ TOTAL RESULTS  (${shape}, ${fmtNum(c.published, 0)} tasks of ${r.task}, ${fmtMs(r.durationMs)})`);
  out.push(`    ${dots('tasks')} published ${c.published} · succeeded ${c.succeeded} · failed ${c.failed} · lost ${c.lost}` +
    `${c.unfinished ? ` · unfinished ${c.unfinished}` : ''} · timeouts ${c.timedOut} · retries ${c.retries}${r.mode === 'open' ? ` · late publishes ${c.latePublishes}` : ''}`);
  const errs = Object.entries(r.errorTypes).sort((a, b) => b[1] - a[1]);
  if (errs.length) {
    out.push(`    ${dots('errors')} ${fmtPct(c.published ? (c.failed / c.published) * 100 : 0)} of tasks failed`);
    for (const [k, v] of errs) out.push(`    ${' '.repeat(22)}${k} ×${v}${r.errorMessages?.[k] ? `: ${r.errorMessages[k]}` : ''}`);
  }
  const logErrs = r.workerLogErrors ?? [];
  if (logErrs.length) {
    out.push(`    ${dots('worker log errors')} ${logErrs.reduce((a, e) => a + e.count, 0)} logged while tasks ran (tasks may still have succeeded)`);
    for (const e of logErrs) out.push(`    ${' '.repeat(22)}${e.kind} ×${e.count}: ${e.message}`);
  }
  out.push(`    ${dots('throughput')} ${fmtNum(r.throughput.completedPerSec)}/s completed (peak ${fmtNum(r.throughput.peakCompletedPerSec)}/s) · ${fmtNum(r.throughput.publishedPerSec)}/s published`);
  out.push(`    ${dots('e2e')} ${latencyLine(r.latency.e2e)}`);
  out.push(`    ${dots('queue_wait')} ${latencyLine(r.latency.queueWait)}`);
  out.push(`    ${dots('runtime')} ${latencyLine(r.latency.runtime)}`);
  out.push(`    ${' '.repeat(22)}(${r.latencyBasis})`);
  out.push(`    ${dots('queue depth')} max ${r.queueDepth.max ?? '-'} · end ${r.queueDepth.end ?? '-'}`);
  const m = r.memory;
  if (m) {
    const verdict = m.verdict === 'leak' ? 'LEAK SUSPECTED' : m.verdict === 'no-leak' ? 'no leak' : 'not enough data';
    out.push(`    ${dots('worker RSS')} ${fmtBytes(m.startBytes)} → ${fmtBytes(m.endBytes)} (peak ${fmtBytes(m.peakBytes)}) · after ${m.warmupTasks}-task warm-up: ` +
      `${m.per1kTasksBytes === null ? '-' : `${m.per1kTasksBytes >= 0 ? '+' : ''}${fmtBytes(m.per1kTasksBytes)}`}/1k tasks, growth ${fmtPct(m.growthPct)} → ${verdict}`);
    out.push(`    ${' '.repeat(22)}${m.reason}`);
  }
  const cpu = r.cpu;
  out.push(`    ${dots('cpu')} worker ${cpu.workerMsPerTask === null ? '-' : `${fmtNum(cpu.workerMsPerTask, 2)} ms/task`} (${cpu.workerPct === null ? '-' : `${cpu.workerPct}%`} of a core) · ` +
    `jobctl ${cpu.jobctlMsPerTask === null ? '-' : `${fmtNum(cpu.jobctlMsPerTask, 2)} ms/task`} (${cpu.jobctlPct}% of a core)`);
  const e = r.environment;
  out.push(`    ${dots('worker')} ${e.app ?? (e.worker === 'external' ? 'external workers' : 'jobctl probe app')} · ${e.pool ?? '?'} ×${e.workerConcurrency ?? '?'} · celery ${e.celery ?? '?'} · python ${e.python ?? '?'} · broker ${e.broker} · queue ${e.queue}`);
  out.push(...shardSectionText(r));
  if (r.fleet) out.push(...renderFleetText(r.fleet));
  if (r.baseline) {
    out.push('', `  █ BASELINE  (${r.baseline.file}, run ${r.baseline.baselineStartedAt})`);
    for (const d of r.baseline.deltas) {
      const change = d.changePct === null ? '' : ` ${d.changePct >= 0 ? '+' : ''}${d.changePct.toFixed(1)}%`;
      out.push(`    ${d.worse ? '▲' : ' '} ${dots(d.metric, 24)} ${fmtNum(d.baseline, 2)} → ${fmtNum(d.current, 2)}${change}${d.worse ? '  (worse)' : ''}`);
    }
  }
  out.push('', `  ${shardVerdictText(r) ?? (r.interrupted ? 'INTERRUPTED' : r.passed ? `PASSED${logErrs.length ? ' (thresholds met; the worker logged errors, see above)' : ''}` : 'FAILED: a threshold was not met')}`, '');
  return out.join('\n');
}
