// A rule's docs page, generated from its module (docs/rules/<ID>.md and `jobctl rules <ID>`).
import type { RuleMeta } from './types.js';

export function renderRuleDoc(m: RuleMeta): string {
  const out = [
    `# ${m.id} ${m.name}`,
    '',
    `**${m.title}**`,
    '',
    `Severity: ${m.severity} · Confidence: ${m.confidence} · Band: ${m.band}${m.needsTarget ? ' · needs `--target`' : ''}`,
    '',
    '## Why',
    '',
    m.description.trim(),
    '',
    '## Fix',
    '',
    m.fix.trim(),
  ];
  if (m.examples) {
    out.push('', '## Example', '', `\`\`\`${m.examples.language ?? 'python'}`, m.examples.bad.trim(), '```', '', '## Use instead', '', `\`\`\`${m.examples.language ?? 'python'}`, m.examples.good.trim(), '```');
  }
  out.push('', '## Sources', '', ...m.sources.map((s) => `- ${s.title}: \`${s.ref}\``), '', `Suppress one occurrence with \`# jobctl: ignore[${m.id}]\`, a whole file with \`# jobctl: file-ignore[${m.id}]\`, or list it under \`ignore:\` in jobctl.yaml.`, '');
  return out.join('\n');
}
