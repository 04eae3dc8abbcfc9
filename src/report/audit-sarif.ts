// SARIF 2.1.0 for GitHub code scanning: stable ruleIds, relative URIs under %SRCROOT%, and
// partialFingerprints so alerts are matched across runs.
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { AuditResult } from '../engine/types.js';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;
const PRECISION = { high: 'high', medium: 'medium', low: 'low' } as const;

export function buildAuditSarif(result: AuditResult): Log {
  const rules: ReportingDescriptor[] = result.rules.map((r) => ({
    id: r.id,
    name: r.name,
    shortDescription: { text: r.title },
    fullDescription: { text: firstParagraph(r.description) },
    help: {
      text: `${r.description}\n\nFix: ${r.fix}\n\nSources:\n${r.sources.map((s) => `- ${s.title}: ${s.ref}`).join('\n')}`,
      markdown: `${r.description}\n\n**Fix:** ${r.fix}\n\n**Sources:**\n${r.sources.map((s) => `- ${s.title}: \`${s.ref}\``).join('\n')}\n\nRun \`jobctl rules ${r.id}\` for the full page.`,
    },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['celery', r.band], precision: PRECISION[r.confidence], 'problem.severity': r.severity === 'info' ? 'recommendation' : r.severity },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: Result[] = result.findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId)!,
    level: LEVEL[f.severity],
    message: { text: f.hint ? `${f.message} Fix: ${f.hint}` : f.message },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: encodeURI(f.location.file), uriBaseId: '%SRCROOT%' },
        region: {
          startLine: f.location.line,
          startColumn: f.location.column,
          ...(f.location.endLine !== undefined ? { endLine: f.location.endLine } : {}),
          ...(f.location.endColumn !== undefined ? { endColumn: f.location.endColumn } : {}),
        },
      },
    }],
    // v2: rule + file + normalised statement code + occurrence index (src/engine/fingerprint.ts), the baseline's
    partialFingerprints: { 'jobctlFingerprint/v2': f.fingerprint },
    // with a baseline applied, every reported result is one the baseline does not have
    ...(result.baseline ? { baselineState: 'new' as const } : {}),
  }));
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: { driver: { name: 'jobctl', version: result.tool.version, semanticVersion: result.tool.version, informationUri: 'https://www.npmjs.com/package/jobctl', rules } },
      originalUriBaseIds: { '%SRCROOT%': { uri: `file://${encodeURI(result.root.endsWith('/') ? result.root : `${result.root}/`)}` } },
      results,
      columnKind: 'unicodeCodePoints',
    }],
  };
}

function firstParagraph(s: string): string {
  return s.split(/\n\s*\n/)[0]!.trim();
}
