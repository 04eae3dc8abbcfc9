// The per-worker section of a fleet load test, as text (terminal) and HTML (--report): one row per
// worker, the slow or leaking one marked, its pool processes' RSS under it.
import type { FleetSection, FleetWorkerRow } from './fleet-stats.js';
import { fmtBytes, fmtMs } from './format.js';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const FLAG_TEXT: Record<FleetWorkerRow['flags'][number], string> = { slow: 'SLOW', leak: 'LEAK', errors: 'ERRORS', 'no-events': 'NO EVENTS' };

function memoryCell(w: FleetWorkerRow): string {
  const m = w.memory;
  if (!m) return '-';
  const growth = m.per1kTasksBytes === null ? '' : ` (${m.per1kTasksBytes >= 0 ? '+' : ''}${fmtBytes(m.per1kTasksBytes)}/1k tasks)`;
  return `${fmtBytes(m.startBytes)} → ${fmtBytes(m.endBytes)}${growth}`;
}

function offsetCell(w: FleetWorkerRow): string {
  const o = w.clockOffset;
  // a merged fleet run: one interval per producer (their clocks differ), not intersected
  if (!o && w.clockOffsets?.length) return w.clockOffsets.map((x) => `#${x.shard} ${x.usedMs >= 0 ? '+' : ''}${x.usedMs} ms`).join(', ');
  if (!o) return '-';
  return `${o.usedMs >= 0 ? '+' : ''}${o.usedMs} ms (${o.lowMs}..${o.highMs})`;
}

/** a --shard producer that was not the run's last leaves the events on for the others (fleet-lease.ts) */
function offAgain(ev: FleetSection['events']): string {
  if (ev.restoreFailed.length) return `NOT switched off again on ${ev.restoreFailed.join(', ')}`;
  const pending = ev.enabledByJobctl.filter((n) => !ev.restored.includes(n));
  return pending.length ? `left on for the run's other producers on ${pending.join(', ')} (its last producer switches them off)` : 'switched off again afterwards';
}

export function renderFleetText(f: FleetSection): string[] {
  const out: string[] = ['', `  █ FLEET  (${f.workers.length} worker(s) consuming ${f.queue}; per worker, from Celery task events)`];
  const header = ['worker', 'celery', 'pool', 'tasks', 'share', 'run p50', 'run p95', 'wait in worker p95', 'queue wait p95', 'e2e p95', 'RSS (pool processes)', 'clock offset'];
  const rows = f.workers.map((w) => [
    `${w.flags.length ? '▲ ' : '  '}${w.name}`,
    w.celery ?? '?',
    `${w.pool ?? '?'}×${w.concurrency ?? '?'}`,
    `${w.tasks}${w.failed ? ` (${w.failed} failed)` : ''}`,
    `${w.sharePct}%`,
    w.runtime.count ? fmtMs(w.runtime.p50) : '-',
    w.runtime.count ? fmtMs(w.runtime.p95) : '-',
    w.workerWait.count ? fmtMs(w.workerWait.p95) : '-',
    w.queueWait?.count ? fmtMs(w.queueWait.p95) : '-',
    w.e2e.count ? fmtMs(w.e2e.p95) : '-',
    memoryCell(w),
    offsetCell(w),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `    ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}`;
  out.push(line(header));
  for (const r of rows) out.push(line(r));
  for (const w of f.workers) {
    if (w.flags.length) out.push(`    ▲ ${w.name}: ${w.flags.map((x) => FLAG_TEXT[x]).join(', ')}: ${w.why.join('; ')}`);
  }
  for (const w of f.workers) {
    if (!w.memory?.processes.length) continue;
    out.push(`    ${w.name} pool processes: ${w.memory.processes.map((p) => `pid ${p.pid} ${fmtBytes(p.firstBytes)} → ${fmtBytes(p.lastBytes)} (${p.samples} samples)`).join(' · ')}`);
  }
  const ev = f.events;
  out.push(`    events: ${ev.heard} heard · switched on for this run on ${ev.enabledByJobctl.length ? ev.enabledByJobctl.join(', ') : 'none'} and ${offAgain(ev)}${ev.alreadyOn.length ? ` · already on (left on): ${ev.alreadyOn.join(', ')}` : ''}`);
  if (f.otherWorkers.length) out.push(`    not measured (consume other queues): ${f.otherWorkers.join(', ')}`);
  return out;
}

export function renderFleetHtml(f: FleetSection): string {
  const cell = (v: string): string => `<td>${esc(v)}</td>`;
  const rows = f.workers.map((w) => `<tr class="${w.flags.length ? 'fail' : ''}" data-worker="${esc(w.name)}" data-flags="${esc(w.flags.join(' '))}"><th>${esc(w.name)}${w.flags.length ? ` <strong>${esc(w.flags.map((x) => FLAG_TEXT[x]).join(', '))}</strong>` : ''}</th>${[
    w.celery ?? '?', `${w.pool ?? '?'}×${w.concurrency ?? '?'}`, `${w.tasks}${w.failed ? ` (${w.failed} failed)` : ''}`, `${w.sharePct}%`,
    w.runtime.count ? fmtMs(w.runtime.p50) : '-', w.runtime.count ? fmtMs(w.runtime.p95) : '-', w.workerWait.count ? fmtMs(w.workerWait.p95) : '-',
    w.queueWait?.count ? fmtMs(w.queueWait.p95) : '-', w.e2e.count ? fmtMs(w.e2e.p95) : '-', memoryCell(w), offsetCell(w),
  ].map(cell).join('')}</tr>${w.why.length ? `<tr class="${w.flags.length ? 'fail' : ''}"><td></td><td colspan="11" style="text-align:left">${esc(w.why.join('; '))}</td></tr>` : ''}`).join('\n');
  const procs = f.workers.filter((w) => w.memory?.processes.length).map((w) => `<li>${esc(w.name)}: ${w.memory!.processes.map((p) => `pid ${p.pid} ${esc(fmtBytes(p.firstBytes))} → ${esc(fmtBytes(p.lastBytes))} (${p.samples})`).join(' · ')}</li>`).join('');
  return `<h2 id="fleet">Fleet: ${f.workers.length} worker(s) on ${esc(f.queue)}</h2>
<table id="fleet-workers"><tr><th>worker</th><th>celery</th><th>pool</th><th>tasks</th><th>share</th><th>run p50</th><th>run p95</th><th>wait in worker p95</th><th>queue wait p95</th><th>e2e p95</th><th>RSS (pool processes)</th><th>clock offset</th></tr>
${rows}</table>
${procs ? `<p>Pool processes (RSS reported by each process itself):</p><ul id="fleet-processes">${procs}</ul>` : ''}
<p class="muted">Task events heard: ${f.events.heard}; switched on for the run on ${esc(f.events.enabledByJobctl.join(', ') || 'none')}, ${esc(offAgain(f.events))}${f.events.alreadyOn.length ? `; already on (left on): ${esc(f.events.alreadyOn.join(', '))}` : ''}.</p>
<ul class="muted">${f.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
}
