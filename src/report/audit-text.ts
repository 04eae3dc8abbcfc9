// Human-readable audit output, grouped by file (ruff/ESLint "stylish" style).
import { Chalk } from 'chalk';
import type { AuditResult, Finding } from '../engine/types.js';

export interface TextOptions {
  color: boolean;
}

export function renderAuditText(result: AuditResult, opts: TextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const sev = (f: Finding): string => (f.severity === 'error' ? c.red('error  ') : f.severity === 'warning' ? c.yellow('warning') : c.blue('info   '));
  const lines: string[] = [];
  const header = [`jobctl audit ${result.root}`];
  if (result.current) header.push(`celery ${result.current.version} (${result.current.source})`);
  if (result.target) header.push(`target ${result.target.version}`);
  lines.push(c.dim(header.join(' · ')));
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = byFile.get(f.location.file) ?? [];
    list.push(f);
    byFile.set(f.location.file, list);
  }
  for (const [file, list] of byFile) {
    lines.push('', c.underline(file));
    for (const f of list) {
      lines.push(`  ${c.dim(`${f.location.line}:${f.location.column}`.padEnd(8))} ${sev(f)} ${f.message} ${c.dim(`${f.ruleId} ${f.ruleName}`)}`);
      if (f.hint) lines.push(`  ${' '.repeat(8)} ${' '.repeat(7)} ${c.green('fix:')} ${f.hint}`);
    }
  }
  const s = result.summary;
  lines.push('');
  if (result.findings.length === 0) lines.push(c.green(`No findings in ${s.filesScanned} files.`));
  else lines.push(`${c.bold(String(result.findings.length))} finding${result.findings.length === 1 ? '' : 's'} (${c.red(`${s.errors} error${s.errors === 1 ? '' : 's'}`)}, ${c.yellow(`${s.warnings} warning${s.warnings === 1 ? '' : 's'}`)}, ${s.infos} info) in ${s.filesScanned} files.`);
  if (result.suppressed.count > 0) lines.push(c.dim(`${result.suppressed.count} suppressed by jobctl: ignore comments or config.`));
  lines.push(...baselineLines(result).map((l) => c.dim(l)));
  if (result.findings.length > 0) lines.push(c.dim('Explain a rule: jobctl rules <ID> (or docs/rules/<ID>.md)'));
  const warnings = result.notes.filter((n) => n.level === 'warning');
  if (warnings.length > 0) {
    lines.push('', c.dim(`${warnings.length} note${warnings.length === 1 ? '' : 's'}:`));
    for (const n of warnings.slice(0, 10)) lines.push(c.dim(`  ${n.file ? `${n.file}: ` : ''}${n.message}`));
    if (warnings.length > 10) lines.push(c.dim(`  … ${warnings.length - 10} more (see --json)`));
  }
  return `${lines.join('\n')}\n`;
}

/** The baseline footer: how many findings it hid, and which of its entries no longer occur. */
export function baselineLines(result: AuditResult): string[] {
  const b = result.baseline;
  if (!b) return [];
  const out = [`${b.matched} finding${b.matched === 1 ? '' : 's'} in the baseline ${b.file} (not reported).`];
  if (b.stale.length > 0) {
    out.push(`${b.stale.length} baseline entr${b.stale.length === 1 ? 'y no longer occurs' : 'ies no longer occur'} (fixed or changed); prune with \`jobctl audit --write-baseline ${b.file}\`:`);
    for (const e of b.stale.slice(0, 20)) out.push(`  ${e.file}:${e.line} ${e.rule} ${e.message}`);
    if (b.stale.length > 20) out.push(`  … ${b.stale.length - 20} more (see --json)`);
  }
  return out;
}
