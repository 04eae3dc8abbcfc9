// GitHub Actions workflow commands (::error file=..,line=..::message). Escaping follows
// actions/toolkit packages/core/src/command.ts: data escapes % \r \n; properties also : and ,.
// GitHub shows at most 10 annotations of each kind per step, so errors go first and a final notice
// says how many were not annotated.
import type { AuditResult, Finding } from '../engine/types.js';

const LEVEL: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', info: 'notice' };
const PER_KIND_LIMIT = 10;

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderAuditGithub(result: AuditResult): string {
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...result.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const counts: Record<string, number> = {};
  const out: string[] = [];
  let skipped = 0;
  for (const f of sorted) {
    const level = LEVEL[f.severity];
    counts[level] = (counts[level] ?? 0) + 1;
    if (counts[level]! > PER_KIND_LIMIT) {
      skipped++;
      continue;
    }
    const l = f.location;
    const props = [`file=${escapeProperty(l.file)}`, `line=${l.line}`];
    if (l.endLine !== undefined) props.push(`endLine=${l.endLine}`);
    // col/endColumn only when the annotation is on one line (GitHub rejects them otherwise)
    if (l.endLine === undefined || l.endLine === l.line) {
      props.push(`col=${l.column}`);
      if (l.endColumn !== undefined && l.endLine === l.line) props.push(`endColumn=${l.endColumn}`);
    }
    props.push(`title=${escapeProperty(`${f.ruleId} ${f.ruleName}`)}`);
    out.push(`::${level} ${props.join(',')}::${escapeData(`${f.message}${f.hint ? `\nFix: ${f.hint}` : ''}`)}`);
  }
  // what jobctl could not read (a file over the size limit, NUL bytes, an alias bomb): never silent
  // (a few: GitHub shows 10 warnings per step, and the findings come first)
  const notes = result.notes.filter((x) => x.level === 'warning');
  for (const n of notes.slice(0, 5)) {
    out.push(`::warning ${n.file ? `file=${escapeProperty(n.file)},` : ''}title=jobctl::${escapeData(n.message)}`);
  }
  if (notes.length > 5) out.push(`::notice title=jobctl::${escapeData(`${notes.length - 5} more notes about files jobctl could not read fully; see --format markdown or --json`)}`);
  if (skipped > 0) out.push(`::notice title=jobctl::${escapeData(`${skipped} more findings were not annotated (GitHub shows 10 per kind per step); see the SARIF or --format markdown output`)}`);
  return out.length ? `${out.join('\n')}\n` : '';
}
