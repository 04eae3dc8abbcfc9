// The one-screen terminal summary: counts, then every item that is not done (worst first), one line
// each with its first evidence location. `--format markdown` / `--json` carry the full detail.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Checklist, ChecklistItem, ItemStatus } from './types.js';
import { ITEM_SEVERITY_ORDER, STATUS_SYMBOL } from './types.js';

const STATUS_ORDER: Record<ItemStatus, number> = { fail: 0, warn: 1, unconfirmed: 2, pass: 3, na: 4 };

export function renderChecklistText(c: Checklist, opts: { color: boolean; failOn?: string } = { color: false }): string {
  const k = new Chalk({ level: opts.color ? 1 : 0 });
  const s = c.summary.byStatus;
  const out: string[] = [];
  out.push(k.bold(`Production readiness: ${s.pass}/${c.summary.total - s.na} done`) + `  (${s.pass} ✅  ${s.warn} ⚠️  ${s.fail} ❌  ${s.unconfirmed} ❓  ${s.na} ➖)`);
  const notDone = c.items.filter((i) => i.status !== 'pass' && i.status !== 'na')
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || ITEM_SEVERITY_ORDER[b.severity] - ITEM_SEVERITY_ORDER[a.severity]);
  if (notDone.length === 0) out.push(k.green('Every item is done.'));
  for (const i of notDone) out.push(line(i, k));
  const done = c.items.filter((i) => i.status === 'pass');
  if (done.length > 0) out.push(k.dim(`done: ${done.map((i) => i.id).join(', ')}`));
  if (s.unconfirmed > 0) out.push(k.dim(`${s.unconfirmed} item${s.unconfirmed === 1 ? '' : 's'} unconfirmed: run \`jobctl checklist\` in a terminal to answer (saved in jobctl.yaml)`));
  for (const a of c.ignoredAnswers) out.push(k.yellow(`answer for ${a.id} not used: ${a.reason}`));
  out.push(k.dim('full report: jobctl checklist --format markdown > PRODUCTION_CHECKLIST.md'));
  return `${out.join('\n')}\n`;
}

function line(i: ChecklistItem, k: ChalkInstance): string {
  const sev = i.severity === 'critical' ? k.red(i.severity) : i.severity === 'high' ? k.yellow(i.severity) : i.severity;
  const where = i.evidence[0] ? k.dim(` (${i.evidence[0].file}:${i.evidence[0].line}${i.evidence.length > 1 ? ` +${i.evidence.length - 1}` : ''})`) : '';
  return `${STATUS_SYMBOL[i.status]} ${pad(sev, 8, i.severity.length)} ${i.id}: ${i.detail}${where}`;
}

function pad(s: string, width: number, visible: number): string {
  return s + ' '.repeat(Math.max(0, width - visible));
}
