// Markdown for PRODUCTION_CHECKLIST.md, from templates/checklist.md: the document skeleton lives in
// the template ({{placeholders}}), items are rendered here, grouped by category.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Checklist, ChecklistItem } from './types.js';
import { CATEGORIES, CATEGORY_TITLES, STATUS_SYMBOL } from './types.js';

/** templates/ at the package root (this file runs from dist/src/checklist/). */
function templatePath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../..']) {
    const p = path.resolve(here, up, 'templates', 'checklist.md');
    try {
      readFileSync(p);
      return p;
    } catch { /* try the next */ }
  }
  return path.resolve(here, '../../../templates/checklist.md');
}

export function renderChecklistMarkdown(c: Checklist, opts: { date?: string } = {}): string {
  const template = readFileSync(templatePath(), 'utf8');
  const s = c.summary.byStatus;
  const summary = `${s.pass} ✅ · ${s.warn} ⚠️ · ${s.fail} ❌ · ${s.unconfirmed} ❓ · ${s.na} ➖ of ${c.summary.total} items`;
  const sections = CATEGORIES.map((cat) => {
    const items = c.items.filter((i) => i.category === cat);
    if (items.length === 0) return '';
    return [`## ${CATEGORY_TITLES[cat]}`, '', '| | Item | Severity | Found |', '|---|---|---|---|',
      ...items.map((i) => `| ${STATUS_SYMBOL[i.status]} | [${esc(i.title)}](#${anchor(i.id)}) | ${i.severity} | ${esc(i.detail)} |`),
      '', ...items.map(renderItem)].join('\n');
  }).filter(Boolean).join('\n');
  const ignored = c.ignoredAnswers.length
    ? `## Answers not used\n\n${c.ignoredAnswers.map((a) => `- \`${a.id}\`: ${a.reason}`).join('\n')}\n`
    : '';
  const values: Record<string, string> = {
    project: ` — ${path.basename(c.root)}`,
    version: c.tool.version,
    date: opts.date ?? new Date().toISOString().slice(0, 10),
    summary,
    sections,
    ignored,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => values[k] ?? '').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function renderItem(i: ChecklistItem): string {
  const lines = [
    `### ${STATUS_SYMBOL[i.status]} ${esc(i.title)}`,
    `<a id="${anchor(i.id)}"></a>`,
    '',
    `- **Id:** \`${i.id}\` · **Severity:** ${i.severity} · **Status:** ${i.status}`,
    `- **Found:** ${i.detail}`,
  ];
  if (i.evidence.length > 0) {
    lines.push('- **Evidence:**');
    for (const e of i.evidence) lines.push(`  - \`${e.file}:${e.line}\` ${e.ruleId ? `(${e.ruleId}) ` : ''}${inlineCode(e.text)}`);
  }
  if (i.answer) lines.push(`- **Answered:** ${i.answer.status}${i.answer.by ? ` by ${i.answer.by}` : ''}${i.answer.at ? ` on ${i.answer.at.slice(0, 10)}` : ''}${i.answer.note ? ` — ${i.answer.note}` : ''}`);
  if (i.status !== 'pass' && i.status !== 'na') lines.push(`- **Fix:** ${i.fix}`);
  lines.push(`- **How jobctl checks:** ${i.howDetected}`);
  if (i.sources.length > 0) lines.push(`- **Sources:** ${i.sources.map((s) => (/^https?:/.test(s.ref) ? `[${s.title}](${s.ref})` : `${s.title} (\`${s.ref}\`)`)).join('; ')}`);
  lines.push('');
  return lines.join('\n');
}

function anchor(id: string): string {
  return `item-${id.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
}
function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
/** evidence text may contain backticks itself; keep it readable either way */
function inlineCode(s: string): string {
  return s.includes('`') ? s : `\`${s}\``;
}
