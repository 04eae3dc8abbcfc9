// Markdown report (for PR comments and $GITHUB_STEP_SUMMARY, which caps at 1 MiB per step).
import type { AuditResult } from '../engine/types.js';

const ICON = { error: '❌', warning: '⚠️', info: 'ℹ️' } as const;
const STEP_SUMMARY_LIMIT = 1024 * 1024 - 1024;

export function renderAuditMarkdown(result: AuditResult): string {
  const s = result.summary;
  const out: string[] = ['# jobctl audit', ''];
  const facts = [`**Project:** \`${result.root}\``];
  if (result.current) facts.push(`**Celery:** ${result.current.version} (from \`${result.current.source}\`)`);
  if (result.target) facts.push(`**Target:** ${result.target.version}`);
  out.push(facts.join(' · '), '');
  out.push(`**${result.findings.length}** findings: ${s.errors} errors, ${s.warnings} warnings, ${s.infos} info · ${s.filesScanned} files scanned${result.suppressed.count ? ` · ${result.suppressed.count} suppressed` : ''}${result.baseline ? ` · ${result.baseline.matched} in the baseline, ${result.baseline.stale.length} baseline entries no longer occur` : ''}`, '');
  if (result.findings.length > 0) {
    out.push('| | Rule | Location | Finding | Fix |', '|---|---|---|---|---|');
    for (const f of result.findings) {
      out.push(`| ${ICON[f.severity]} | \`${f.ruleId}\` ${f.ruleName} | \`${f.location.file}:${f.location.line}\` | ${cell(f.message)} | ${cell(f.hint)} |`);
    }
    out.push('', '## Rules', '');
    for (const r of result.rules) {
      out.push(`### ${r.id} ${r.name}`, '', r.title, '', `Sources: ${r.sources.map((x) => `${x.title} (\`${x.ref}\`)`).join('; ')}`, '');
    }
  }
  let text = `${out.join('\n')}\n`;
  if (Buffer.byteLength(text) > STEP_SUMMARY_LIMIT) {
    text = `${text.slice(0, STEP_SUMMARY_LIMIT - 200)}\n\n…truncated to fit GitHub's step-summary limit; see the SARIF or --json output for every finding.\n`;
  }
  return text;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
