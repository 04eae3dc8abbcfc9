// Text rendering of a SmokeResult (the same object --json prints).
import { Chalk } from 'chalk';
import type { SmokeResult } from './smoke.js';

export function renderSmokeText(r: SmokeResult, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const icon = { pass: c.green('✔'), fail: c.red('✖'), skip: c.yellow('↓'), warn: c.yellow('!') } as const;
  const lines: string[] = [];
  lines.push(c.bold(`jobctl smoke-test: ${r.app}`));
  lines.push(`  celery ${r.celeryVersion}${r.kombuVersion ? ` (kombu ${r.kombuVersion})` : ''}, python ${r.python.version} (${r.python.path}, from ${r.python.source})`);
  lines.push(`  broker ${r.broker.url}${r.broker.owned ? ` (jobctl's own ${r.broker.kind === 'rabbitmq' ? 'RabbitMQ node' : 'redis-server'}, stopped afterwards)` : ''}; queue ${r.queue}${r.broker.queueType ? ` (${r.broker.queueType})` : ''}; pool ${r.pool} -c ${r.concurrency} ${r.poolChoice ? ` (pool from ${r.poolChoice.poolSource}, concurrency from ${r.poolChoice.concurrencySource})` : ''}`);
  lines.push('');
  for (const ch of r.checks) {
    const req = ch.required ? '' : c.dim(' (informational)');
    lines.push(`${icon[ch.status]} ${ch.title}${req} ${c.dim(`${ch.durationMs} ms`)}`);
    lines.push(`    ${ch.status === 'fail' ? c.red(ch.evidence) : ch.status === 'warn' ? c.yellow(ch.evidence) : c.dim(ch.evidence)}`);
  }
  if (r.warnings.length) {
    lines.push('');
    lines.push(c.yellow(`warnings (${r.warnings.length}):`));
    for (const w of r.warnings) lines.push(`  - ${w}`);
  }
  const failed = r.checks.filter((x) => x.required && x.status === 'fail').length;
  const passed = r.checks.filter((x) => x.status === 'pass').length;
  lines.push('');
  const ran = r.checks.filter((x) => x.status !== 'skip').length;
  if (r.interrupted) lines.push(c.yellow(`interrupted after ${ran} check(s); every process jobctl started was stopped`));
  else if (r.exitCode === 3 && r.lost === 'worker') lines.push(c.red(`the worker was killed from outside jobctl after ${ran} check(s) (exit 3: worker unavailable, not a failed check); every process jobctl started was stopped`));
  else if (r.exitCode === 3) lines.push(c.red(`the broker stopped answering after ${ran} check(s) (exit 3: broker unavailable, not a failed check); every process jobctl started was stopped`));
  else if (failed) lines.push(c.red(`${failed} required check(s) failed, ${passed} passed (${(r.durationMs / 1000).toFixed(1)} s)`));
  else lines.push(c.green(`all required checks passed: ${passed} passed (${(r.durationMs / 1000).toFixed(1)} s)`));
  if ((failed || r.workerLogErrors?.length) && r.workerLogExcerpt) {
    lines.push('');
    lines.push(c.dim('last worker log lines (masked):'));
    for (const l of r.workerLogExcerpt.split('\n').slice(-15)) lines.push(c.dim(`  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}
