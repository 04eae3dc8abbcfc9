// Markdown for an UpgradePlan, filled into templates/upgrade-plan.md (a user can copy and reword the
// template; every {{section}} is rendered from the plan object, nothing else is computed here).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { maskUrlCredentials } from '../util/mask.js';
import type { PlanSource, RiskLevel, UpgradePlan } from './types.js';

/** templates/ in a checkout or an installed package (dist/src/plan -> ../../../templates; src/plan -> ../../templates). */
export function templatePath(name: string): string {
  const candidates = [
    ...(process.env.JOBCTL_TEMPLATES_DIR ? [join(process.env.JOBCTL_TEMPLATES_DIR, name)] : []),
    fileURLToPath(new URL(`../../../templates/${name}`, import.meta.url)),
    fileURLToPath(new URL(`../../templates/${name}`, import.meta.url)),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`jobctl template ${name} not found (tried ${candidates.join(', ')}); reinstall jobctl`);
  return found;
}

function cell(s: string | null | undefined): string {
  return (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

function sources(list: PlanSource[]): string {
  return list.map((s) => `${s.title} (${s.ref})`).join('; ');
}

const RISK_BADGE: Record<RiskLevel, string> = { low: 'low', medium: '**medium**', high: '**HIGH**' };

export function renderPlanMarkdown(plan: UpgradePlan, template: string = readFileSync(templatePath('upgrade-plan.md'), 'utf8')): string {
  const from = plan.from?.version ?? 'unknown';
  const sections: Record<string, string> = {
    from,
    to: plan.to.version,
    summary: [
      `Overall risk: ${RISK_BADGE[plan.risk.overall]} (${plan.risk.counts.high} high, ${plan.risk.counts.medium} medium, ${plan.risk.counts.low} low items; derived from audit findings and matched changes).`,
      ...(plan.risk.overall !== 'low' ? plan.risk.reasons.slice(0, 8).map((r) => `- ${r}`) : []),
      '',
      `${plan.changes.length} change(s) touch this project, ${plan.findings.length} other finding(s), ${plan.edits.length} file edit(s) jobctl can apply (\`--apply\`), ${plan.manualEdits.length} manual edit(s).`,
    ].join('\n'),
    versions: [
      `- Current: Celery **${from}** (from ${plan.from ? code(plan.from.source) : 'unknown'})`,
      `- Target: Celery **${plan.to.version}**${plan.to.requested !== plan.to.version ? ` (requested ${code(plan.to.requested)})` : ''}${plan.to.yanked ? ' — **yanked on PyPI**' : ''}`,
      `- Release lines crossed: ${plan.linesCrossed.length > 0 ? plan.linesCrossed.join(', ') : 'none (same line)'}`,
    ].join('\n'),
    python: [
      `Status: **${plan.python.status}**. ${plan.python.message}`,
      ...(plan.python.facts.length > 0 ? ['', ...plan.python.facts.map((f) => `- ${code(f.value)} at ${code(f.where)}`)] : []),
      '',
      `Requires-Python: ${plan.python.currentRequires ?? 'unset'} (${from}) → ${plan.python.targetRequires ?? 'unset'} (${plan.to.version}).`,
    ].join('\n'),
    dependencies:
      plan.dependencies.length === 0
        ? '_No dependencies found._'
        : [
            '| Package | Current pin | Where | Target needs | Status | Write |',
            '|---|---|---|---|---|---|',
            ...plan.dependencies.map((d) =>
              `| ${d.name} | ${d.currentSpecifier === null ? '—' : code(d.currentSpecifier || '(unpinned)')} | ${d.where ? code(d.where) : '—'} | ${d.targetNeeds ? code(d.targetNeeds) : '—'}${d.via ? ` (${cell(d.via)})` : ''} | ${d.status}${d.note ? `: ${cell(d.note)}` : ''} | ${d.suggestedLine ? code(d.suggestedLine) : '—'} |`),
          ].join('\n'),
    changes:
      plan.changes.length === 0
        ? '_None of the catalogued changes between these versions matches this project._'
        : plan.changes
            .map((c) => [
              `### ${c.version}: ${c.title}`,
              '',
              `Risk: ${RISK_BADGE[c.risk]} — ${c.riskReason}. Kind: ${c.kind}. Applies because: ${c.matched.map(code).join(', ')}.`,
              '',
              c.detail,
              '',
              ...(c.affected.length > 0 ? ['Affected:', ...c.affected.map((a) => `- ${code(`${a.file}:${a.line}`)}${a.ruleId ? ` ${a.ruleId}` : ''}: ${a.message}`), ''] : []),
              ...(c.fix ? [`Fix: ${c.fix}`, ''] : []),
              `Source: ${sources(c.sources)}`,
            ].join('\n'))
            .join('\n\n'),
    findings:
      plan.findings.length === 0
        ? '_None._'
        : plan.findings.map((f) => `- ${RISK_BADGE[f.risk]} ${f.ruleId} ${code(`${f.file}:${f.line}`)}: ${f.message}. Fix: ${f.hint}${f.sources.length > 0 ? ` (source: ${sources(f.sources.slice(0, 2))})` : ''}`).join('\n'),
    notApplicable: plan.notApplicable.length === 0 ? '_None._' : plan.notApplicable.map((c) => `- ${c.version}: ${c.title} (${c.id})`).join('\n'),
    edits: [
      plan.edits.length === 0
        ? '_jobctl found nothing it can edit safely by itself; see the manual edits below, if any._'
        : plan.edits
            .map((e) => [
              `### ${e.file}: ${e.title}`,
              '',
              `Risk: ${RISK_BADGE[e.risk]}.`,
              ...e.changes.map((c) => `- ${c}`),
              '',
              '```diff',
              e.diff.trimEnd(),
              '```',
              '',
              `Source: ${sources(e.sources)}`,
            ].join('\n'))
            .join('\n\n'),
      ...(plan.manualEdits.length > 0
        ? ['', '### Manual edits (not applied by `--apply`)', '', ...plan.manualEdits.map((m) => `- ${code(`${m.file}:${m.line}`)} ${m.title}: ${m.suggestion}. ${m.why}`)]
        : []),
    ].join('\n'),
    verification: plan.verification.map((s, i) => [`${i + 1}. **${s.title}** (${s.stage})`, '', '   ```sh', `   ${s.command}`, '   ```', '', `   Expect: ${s.expect}`].join('\n')).join('\n\n'),
    rollback: plan.rollback.map((s, i) => `${i + 1}. **${s.title}**${s.command ? `: ${code(s.command)}` : ''} — ${s.detail}`).join('\n'),
    falseClaims:
      plan.falseClaims.length === 0
        ? '_No commonly repeated claim applies to this upgrade._'
        : [
            'Statements found in upgrade write-ups that were checked against the released packages and are wrong:',
            '',
            ...plan.falseClaims.map((c) => `- ~~${c.claim}~~ — ${c.truth} (source: ${sources(c.sources)})`),
          ].join('\n'),
    notes: plan.notes.length === 0 ? '' : ['## Notes', '', ...plan.notes.map((n) => `- ${n}`)].join('\n'),
  };
  const out = template.replace(/\{\{(\w+)\}\}/g, (m, key: string) => sections[key] ?? m);
  return `${maskUrlCredentials(out).replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
