// Text and markdown for a VerifyResult (JSON is the object itself).
import { Chalk } from 'chalk';
import type { SideSummary, VerifyResult } from './types.js';

const ICON = { pass: '✔', fail: '✖', skip: '↷' } as const;

export function renderVerifyText(r: VerifyResult, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  if (r.services?.length) {
    const failed = r.services.filter((s) => !s.ok).map((s) => s.service.folder);
    return `${r.services.map((s) => renderVerifyText(s, opts)).join('\n')}\n${r.interrupted ? c.yellow('interrupted') : r.ok ? c.green('every worker service passed') : c.red(`verification failed for ${failed.join(', ')}`)}: ${r.services.length} worker service(s) rehearsed apart, each from its own requirement files\n`;
  }
  const paint = { pass: c.green, fail: c.red, skip: c.yellow } as const;
  const out: string[] = [];
  out.push(c.bold(`jobctl verify ${r.rehearsal ? `— rehearsal celery ${r.current.version} → ${r.target}` : `— celery ${r.current.version}`}${r.app ? ` (app ${r.app})` : ''}${r.service ? ` — service ${r.service.folder}` : ''}`));
  if (r.service) out.push(c.dim(`    this service's own requirements: ${r.service.files.join(', ')}`));
  for (const s of r.stages) {
    out.push(`${paint[s.status](ICON[s.status])} ${s.title} ${c.dim(`${(s.durationMs / 1000).toFixed(1)}s`)}`);
    if (s.reason) out.push(`    ${s.status === 'fail' ? c.red(s.reason) : c.dim(s.reason)}`);
    for (const e of s.evidence.slice(0, 12)) out.push(c.dim(`    ${e}`));
  }
  if (r.comparison.length) {
    out.push('', c.bold(`side by side: ${r.current.version} → ${r.target}`));
    out.push(...table(['stage', 'metric', String(r.current.version), String(r.target), 'delta', 'verdict'], r.comparison.map((x) => [x.stage, x.metric, fmt(x.current), fmt(x.target), x.delta === null ? '' : (x.delta > 0 ? `+${x.delta}` : String(x.delta)), x.verdict])));
  }
  if (r.summary?.length) {
    out.push('', c.bold('per side'));
    for (const s of r.summary) out.push(...sideLines(s).map((l) => `  ${l}`));
  }
  const counts = (st: string): number => r.stages.filter((s) => s.status === st).length;
  out.push('', `${r.interrupted ? c.yellow('interrupted') : r.ok ? c.green('all stages run passed') : c.red('verification failed')}: ${counts('pass')} passed, ${counts('fail')} failed, ${counts('skip')} skipped in ${(r.durationMs / 1000).toFixed(1)}s`);
  return `${out.join('\n')}\n`;
}

export function renderVerifyMarkdown(r: VerifyResult): string {
  if (r.services?.length) return r.services.map((s) => renderVerifyMarkdown(s)).join('\n');
  const out: string[] = [];
  out.push(`# jobctl verify${r.rehearsal ? `: Celery ${r.current.version} → ${r.target}` : `: Celery ${r.current.version}`}${r.service ? ` — service \`${r.service.folder}\`` : ''}`, '');
  if (r.service) out.push(`- service requirements: ${r.service.files.map((f) => `\`${f}\``).join(', ')}`);
  out.push(`- project: \`${r.root}\``, `- app: ${r.app ? `\`${r.app}\`` : '(none found)'}`, `- current Celery: ${r.current.version} (${r.current.source ?? 'unknown source'})`, ...(r.target ? [`- target Celery: ${r.target}`] : []), `- result: **${r.interrupted ? 'interrupted' : r.ok ? 'pass' : 'fail'}**`, '');
  out.push('| stage | status | time | note |', '|---|---|---|---|');
  for (const s of r.stages) out.push(`| ${s.id} | ${ICON[s.status]} ${s.status} | ${(s.durationMs / 1000).toFixed(1)} s | ${(s.reason ?? '').replace(/\|/g, '\\|')} |`);
  if (r.comparison.length) {
    out.push('', `## Side by side`, '', `| stage | metric | ${r.current.version} | ${r.target} | delta | verdict |`, '|---|---|---|---|---|---|');
    for (const x of r.comparison) out.push(`| ${x.stage} | ${x.metric} | ${fmt(x.current)} | ${fmt(x.target)} | ${x.delta ?? ''} | ${x.verdict} |`);
  }
  if (r.summary?.length) {
    out.push('', '## Per side', '');
    for (const s of r.summary) out.push(`- ${sideLines(s).join('; ')}`);
  }
  for (const s of r.stages) {
    if (!s.evidence.length) continue;
    out.push('', `## ${s.title}`, '', ...s.evidence.map((e) => `- ${e.replace(/\n/g, ' ')}`));
  }
  return `${out.join('\n')}\n`;
}

function sideLines(s: SideSummary): string[] {
  return [`${s.role} (celery ${s.celery}): fresh install: ${s.freshInstall} · imports: ${s.imports} · tasks registered: ${s.tasksRegistered ?? '—'} · smoke: ${s.smoke} · load: ${s.load}`];
}

function fmt(v: number | string | null): string {
  return v === null ? '—' : String(v);
}

function table(head: string[], rows: string[][]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((x, i) => x.padEnd(w[i]!)).join('  ')}`;
  return [line(head), ...rows.map(line)];
}
