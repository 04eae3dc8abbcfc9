// The shard parts of the load-test reports: a `load-test merge` result lists its producers (the slow
// or failing one stands out), and a `--shard` producer's result says that the verdict is the merge's.
import type { LoadTestResult } from './types.js';
import { fmtMs } from './format.js';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function shardSectionText(r: LoadTestResult): string[] {
  const m = r.merged;
  if (!m) return [];
  const out = ['', `  █ SHARDS  (run ${m.runId}: ${m.shards.length} of ${m.count} producers${m.missing.length ? `, MISSING ${m.missing.map((i) => `${i}/${m.count}`).join(', ')}` : ''})`];
  for (const s of m.shards) {
    out.push(`    ${`${s.index}/${m.count}`.padEnd(7)} ${s.host} · ${s.startedAt} +${fmtMs(s.durationMs)} · published ${s.published} · failed ${s.failed} · lost ${s.lost} · e2e p95 ${fmtMs(s.e2eP95)}${s.interrupted ? ' · INTERRUPTED' : ''}  (${s.file})`);
  }
  return out;
}

/** The closing line of a --shard producer's report (its thresholds are applied by the merge), or of an incomplete merge. */
export function shardVerdictText(r: LoadTestResult): string | null {
  const missing = r.merged?.missing ?? [];
  if (missing.length && !r.interrupted) return `FAILED: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${r.merged!.count}`).join(', ')} missing (merged with --allow-missing)`;
  if (!r.shard || r.interrupted) return null;
  return `SHARD ${r.shard.index}/${r.shard.count} of run ${r.shard.runId} DONE: merge the ${r.shard.count} shards' --json files with \`jobctl load-test merge\` for the verdict`;
}

export function shardSectionHtml(r: LoadTestResult): string {
  const m = r.merged;
  if (!m) return '';
  return `<h2>Producers <span class="muted">(run ${esc(m.runId)}, ${m.shards.length} of ${m.count}${m.missing.length ? `; missing ${esc(m.missing.map((i) => `${i}/${m.count}`).join(', '))}` : ''})</span></h2>
${r.notes?.length ? `<ul id="merge-notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<table id="shards"><tr><th>shard</th><th>host</th><th>started</th><th>duration</th><th>published</th><th>failed</th><th>lost</th><th>e2e p95</th><th>file</th></tr>${m.shards.map((s) =>
    `<tr class="${s.interrupted || s.lost ? 'fail' : ''}"><th>${s.index}/${m.count}</th><td>${esc(s.host)}</td><td>${esc(s.startedAt)}</td><td>${esc(fmtMs(s.durationMs))}</td><td>${s.published}</td><td>${s.failed}</td><td>${s.lost}</td><td>${esc(fmtMs(s.e2eP95))}</td><td>${esc(s.file)}</td></tr>`).join('')}</table>`;
}
