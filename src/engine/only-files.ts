// Narrowing a finished AuditResult: `--files a.py b.py` (what pre-commit passes) keeps only the
// findings located in those files — the whole project is still read, since a setting in one file and
// the app in another are one fact — and the baseline removes accepted ones. Both go through
// withFindings so the summary counts every reporter prints stay consistent.
import path from 'node:path';
import type { AuditResult, Finding } from './types.js';

export function withFindings(result: AuditResult, findings: Finding[]): AuditResult {
  const ruleIds = new Set(findings.map((f) => f.ruleId));
  return {
    ...result,
    findings,
    summary: {
      ...result.summary,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      infos: findings.filter((f) => f.severity === 'info').length,
    },
    rules: result.rules.filter((r) => ruleIds.has(r.id)),
  };
}

export function onlyFiles(result: AuditResult, root: string, files: string[]): AuditResult {
  const wanted = new Set(files.map((f) => path.relative(path.resolve(root), path.resolve(f)).split(path.sep).join('/')));
  return withFindings(result, result.findings.filter((f) => wanted.has(f.location.file)));
}
