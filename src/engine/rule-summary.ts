// A rule's public summary (what `jobctl rules` and the audit's JSON list). Kept apart from engine/audit.ts
// so that `jobctl rules` does not load the project reader (tree-sitter) just to print metadata.
import type { Rule } from '../rules/types.js';
import type { RuleSummary } from './types.js';

export function summarizeRule(r: Rule): RuleSummary {
  const m = r.meta;
  return { id: m.id, name: m.name, band: m.band, severity: m.severity, confidence: m.confidence, title: m.title, description: m.description, fix: m.fix, sources: m.sources, docs: ruleDocsPath(m.id) };
}

export function ruleDocsPath(id: string): string {
  return `docs/rules/${id}.md`;
}
