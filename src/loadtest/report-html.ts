// --report load.html: ONE self-contained HTML file. Charts are inline SVG generated here (no CDN,
// no script), so the report opens offline and can be attached to a CI run as is.
import type { LoadTestResult } from './types.js';
import type { TimelinePoint } from './stats.js';
import { fmtBytes, fmtMs, fmtNum, fmtPct, fmtValue } from './format.js';
import { shardSectionHtml } from './report-shards.js';
import { renderFleetHtml } from './fleet-report.js';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

interface Series { name: string; color: string; points: [number, number | null][] }

/** A line chart as an SVG string: x = seconds since start, y from 0 to the max of all series. */
export function lineChartSvg(title: string, series: Series[], yFormat: (v: number) => string, id: string): string {
  const W = 640, H = 220, L = 64, R = 12, T = 28, B = 30;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)));
  const xMax = Math.max(1, ...xs);
  const yMax = ys.length ? Math.max(...ys) * 1.1 || 1 : 1;
  const sx = (x: number): number => L + (x / xMax) * (W - L - R);
  const sy = (y: number): number => H - B - (y / yMax) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}" id="${esc(id)}" class="chart">`);
  parts.push(`<text x="${L}" y="16" class="title">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    const y = sy(v);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${L - 6}" y="${(y + 4).toFixed(1)}" class="axis" text-anchor="end">${esc(yFormat(v))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const x = (xMax / 4) * i;
    parts.push(`<text x="${sx(x).toFixed(1)}" y="${H - 10}" class="axis" text-anchor="middle">${esc(`${x.toFixed(x < 10 ? 1 : 0)}s`)}</text>`);
  }
  if (!ys.length) parts.push(`<text x="${(W / 2).toFixed(0)}" y="${(H / 2).toFixed(0)}" class="axis" text-anchor="middle">no data</text>`);
  series.forEach((s, i) => {
    // gaps (null) split the line instead of drawing through them
    const segments: string[] = [];
    let current = '';
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) { if (current) segments.push(current); current = ''; continue; }
      current += `${current ? ' L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    }
    if (current) segments.push(current);
    for (const d of segments) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8" class="series" data-series="${esc(s.name)}"/>`);
    parts.push(`<rect x="${W - R - 110}" y="${T + i * 16 - 9}" width="10" height="10" fill="${s.color}"/><text x="${W - R - 96}" y="${T + i * 16}" class="legend">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

const sec = (p: TimelinePoint): number => p.tMs / 1000;

export function renderLoadTestHtml(r: LoadTestResult): string {
  const tl = r.timeline;
  const charts = [
    lineChartSvg('End-to-end latency per second (ms)', [
      { name: 'p50', color: '#2b8a3e', points: tl.map((p) => [sec(p), p.e2eP50]) },
      { name: 'p95', color: '#e67700', points: tl.map((p) => [sec(p), p.e2eP95]) },
      { name: 'p99', color: '#c92a2a', points: tl.map((p) => [sec(p), p.e2eP99]) },
    ], (v) => fmtMs(v), 'chart-latency'),
    lineChartSvg('Throughput (tasks/s)', [
      { name: 'completed', color: '#1971c2', points: tl.map((p) => [sec(p), p.completedPerSec]) },
    ], (v) => fmtNum(v, 0), 'chart-throughput'),
    lineChartSvg('Broker queue depth (LLEN)', [
      { name: 'depth', color: '#7048e8', points: tl.map((p) => [sec(p), p.queueDepth]) },
    ], (v) => fmtNum(v, 0), 'chart-queue'),
    lineChartSvg('Worker RSS (whole process tree)', [
      { name: 'RSS', color: '#d6336c', points: (r.memory?.samples ?? []).map((s) => [s.tMs / 1000, s.rssBytes]) },
    ], (v) => fmtBytes(v), 'chart-rss'),
    lineChartSvg('CPU (% of one core)', [
      { name: 'worker', color: '#0c8599', points: tl.map((p) => [sec(p), p.workerCpuPct]) },
      { name: 'jobctl', color: '#868e96', points: tl.map((p) => [sec(p), p.jobctlCpuPct]) },
    ], (v) => `${v.toFixed(0)}%`, 'chart-cpu'),
  ];
  const c = r.counts;
  const lat = (name: string, s: LoadTestResult['latency']['e2e']): string =>
    `<tr><th>${esc(name)}</th>${[s.p50, s.p90, s.p95, s.p99, s.max, s.mean].map((v) => `<td>${esc(fmtMs(s.count ? v : null))}</td>`).join('')}<td>${s.count}</td></tr>`;
  const status = r.interrupted ? 'INTERRUPTED' : r.passed ? 'PASSED' : 'FAILED';
  const m = r.memory;
  const baseline = r.baseline ? `<h2>Against the baseline</h2><p>${esc(r.baseline.file)} (run ${esc(r.baseline.baselineStartedAt)})</p>
<table><tr><th>figure</th><th>baseline</th><th>this run</th><th>change</th></tr>${r.baseline.deltas.map((d) =>
    `<tr class="${d.worse ? 'fail' : ''}"><th>${esc(d.metric)}</th><td>${esc(fmtNum(d.baseline, 2))}</td><td>${esc(fmtNum(d.current, 2))}</td><td>${d.changePct === null ? '-' : esc(`${d.changePct >= 0 ? '+' : ''}${d.changePct.toFixed(1)}%`)}</td></tr>`).join('')}</table>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jobctl load-test: ${esc(r.task)} — ${status}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1340px;color:#212529;padding:0 16px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.status{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.PASSED{background:#2b8a3e}.FAILED{background:#c92a2a}.INTERRUPTED{background:#e67700}
table{border-collapse:collapse;margin:4px 0 12px} th,td{padding:3px 10px;border-bottom:1px solid #dee2e6;text-align:right} th{text-align:left;font-weight:600}
tr.fail th, tr.fail td{color:#c92a2a} .muted{color:#868e96}
.charts{display:flex;flex-wrap:wrap;gap:12px} .chart{border:1px solid #dee2e6;border-radius:6px;background:#fff}
.chart .title{font-size:13px;font-weight:600} .chart .axis,.chart .legend{font-size:11px;fill:#495057} .chart .grid{stroke:#f1f3f5}
</style></head><body>
<h1>jobctl load-test <span class="status ${status}" id="status">${status}</span></h1>
<p class="muted">${esc(r.task)} ${esc(JSON.stringify(r.args))} · ${esc(r.latencyBasis)} · started ${esc(r.startedAt)} · ${esc(fmtMs(r.durationMs))}</p>
<h2>Thresholds${r.defaultThresholds ? ' <span class="muted">(defaults)</span>' : ''}</h2>
<table id="thresholds"><tr><th></th><th>expression</th><th>measured</th></tr>${r.thresholds.map((t) =>
    `<tr class="${t.pass ? 'pass' : 'fail'}"><td>${t.pass ? '✓' : '✗'}</td><th>${esc(t.expression)}</th><td>${esc(`${t.metric}=${fmtValue(t.actual, t.unit)}`)}${t.note ? ` <span class="muted">${esc(t.note)}</span>` : ''}</td></tr>`).join('')}</table>
<h2>Tasks</h2>
<table id="counts"><tr><th>published</th><th>succeeded</th><th>failed</th><th>lost</th><th>unfinished</th><th>timeouts</th><th>retries</th><th>late publishes</th></tr>
<tr><td>${c.published}</td><td>${c.succeeded}</td><td>${c.failed}</td><td>${c.lost}</td><td>${c.unfinished}</td><td>${c.timedOut}</td><td>${c.retries}</td><td>${c.latePublishes}</td></tr></table>
${Object.keys(r.errorTypes).length ? `<p>Errors: ${Object.entries(r.errorTypes).map(([k, v]) => `${esc(k)} ×${v}`).join(', ')}</p>` : ''}
<h2>Latency</h2>
<table id="latency"><tr><th></th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>mean</th><th>n</th></tr>
${lat('end-to-end', r.latency.e2e)}${lat('queue wait', r.latency.queueWait)}${lat('run time', r.latency.runtime)}</table>
<p>Throughput ${esc(fmtNum(r.throughput.completedPerSec))}/s completed (peak ${esc(fmtNum(r.throughput.peakCompletedPerSec))}/s) · queue depth max ${esc(r.queueDepth.max ?? '-')} ·
CPU worker ${esc(r.cpu.workerMsPerTask ?? '-')} ms/task, jobctl ${esc(r.cpu.jobctlMsPerTask ?? '-')} ms/task</p>
${m ? `<p id="memory">Worker RSS ${esc(fmtBytes(m.startBytes))} → ${esc(fmtBytes(m.endBytes))} (peak ${esc(fmtBytes(m.peakBytes))})${m.growthPct === null ? '' : `, growth ${esc(fmtPct(m.growthPct))}`}: <strong>${esc(m.verdict === 'insufficient-data' ? 'not enough data for a leak verdict' : m.verdict)}</strong> — ${esc(m.reason)}</p>` : ''}
${shardSectionHtml(r)}
${r.fleet ? renderFleetHtml(r.fleet) : ''}
${baseline}
<h2>Over time</h2>
<div class="charts">${charts.join('\n')}</div>
<h2>Environment</h2>
<table>${Object.entries(r.environment).map(([k, v]) => `<tr><th>${esc(k)}</th><td style="text-align:left">${esc(v ?? '-')}</td></tr>`).join('')}</table>
</body></html>
`;
}
