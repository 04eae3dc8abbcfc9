// Text rendering of a FleetSmokeResult (the same object --json prints).
import { Chalk } from 'chalk';
import type { FleetSmokeResult } from './fleet-smoke.js';

export function renderFleetSmokeText(r: FleetSmokeResult, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const icon = { pass: c.green('✔'), fail: c.red('✖'), skip: c.yellow('↓'), warn: c.yellow('!') } as const;
  const lines: string[] = [c.bold(`jobctl smoke-test --fleet: ${r.workers.length} worker(s)${r.queue ? ` consuming ${r.queue}` : ' answering'} on ${r.broker}`), ''];
  const rows = r.workers.map((w) => [w.name, `celery ${w.celery ?? '?'}`, `kombu ${w.kombu ?? '?'}`, `py ${w.python ?? '?'}`, `${w.pool ?? '?'} -c ${w.concurrency ?? '?'}`, `prefetch ${w.prefetchCount ?? '?'}`, w.pingMs === null ? 'no pong' : `ping ${w.pingMs} ms`]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]!.length))) ?? [];
  for (const row of rows) lines.push(`  ${row.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd()}`);
  lines.push('');
  for (const ch of r.checks) {
    lines.push(`${icon[ch.status]} ${ch.title}${ch.required ? '' : c.dim(' (informational)')}`);
    lines.push(`    ${ch.status === 'fail' ? c.red(ch.evidence) : ch.status === 'warn' ? c.yellow(ch.evidence) : c.dim(ch.evidence)}`);
  }
  if (r.otherWorkers.length) lines.push('', c.dim(`not checked (consume other queues): ${r.otherWorkers.join(', ')}`));
  const failed = r.checks.filter((x) => x.required && x.status === 'fail').length;
  lines.push('', failed ? c.red(`${failed} required check(s) failed (${(r.durationMs / 1000).toFixed(1)} s)`) : c.green(`all required checks passed (${(r.durationMs / 1000).toFixed(1)} s); jobctl started nothing and left nothing on the broker`));
  return `${lines.join('\n')}\n`;
}
