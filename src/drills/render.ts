// Text rendering of a DrillReport (the same object --json prints).
import { Chalk } from 'chalk';
import type { DrillReport, DrillResult } from './types.js';

export function drillLine(d: DrillResult): string {
  return `${d.verdict.toUpperCase()} ${d.id}: ${d.summary} (${(d.durationMs / 1000).toFixed(1)} s of ${Math.round(d.budgetMs / 1000)} s)`;
}

export function renderDrillText(r: DrillReport, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const icon = { pass: c.green('✔'), fail: c.red('✖'), skip: c.yellow('↓') } as const;
  const lines: string[] = [c.bold(`jobctl drill: ${r.app}`), `  celery ${r.celeryVersion}${r.kombuVersion ? ` (kombu ${r.kombuVersion})` : ''}, python ${r.python}; every drill on a private broker jobctl started and stopped (${[...new Set(r.drills.filter((d) => d.verdict !== 'skip' || d.timeline.length).map((d) => (d.broker === 'amqp' ? 'RabbitMQ' : 'Redis')))].join(', ') || 'none run'})`, ''];
  for (const d of r.drills) {
    lines.push(`${icon[d.verdict]} ${c.bold(d.title)} ${c.dim(`${(d.durationMs / 1000).toFixed(1)} s (budget ${Math.round(d.budgetMs / 1000)} s)`)}`);
    lines.push(`    ${d.verdict === 'fail' ? c.red(d.summary) : d.summary}`);
    if (d.reason) lines.push(c.dim(`    ${d.reason}`));
    for (const f of d.facts) lines.push(c.dim(`    · ${f}`));
    for (const e of d.timeline) lines.push(c.dim(`    ${String(e.atMs).padStart(6)} ms  ${e.event}`));
    const counts = Object.entries(d.counts).map(([k, v]) => `${k}=${v}`).join(' ');
    if (counts) lines.push(c.dim(`    counts: ${counts}`));
    lines.push(`    setting: ${d.setting.name} = ${d.setting.value}`);
    if (d.verdict === 'fail') lines.push(`    fix: ${d.setting.fix}`);
    lines.push(c.dim(`    sources: ${d.setting.sources.join(' | ')}`));
    lines.push('');
  }
  const failed = r.drills.filter((d) => d.verdict === 'fail').length;
  const passed = r.drills.filter((d) => d.verdict === 'pass').length;
  if (r.interrupted) lines.push(c.yellow(`interrupted after ${r.drills.length} drill(s); every process jobctl started was stopped`));
  else if (failed) lines.push(c.red(`${failed} drill(s) failed, ${passed} passed (${(r.durationMs / 1000).toFixed(1)} s)`));
  else lines.push(c.green(`${passed} drill(s) passed (${(r.durationMs / 1000).toFixed(1)} s)`));
  return `${lines.join('\n')}\n`;
}
