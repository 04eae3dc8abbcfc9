// GitLab Code Quality report (artifacts:reports:codequality): a JSON array of issues in the subset of
// the Code Climate format GitLab reads — description, check_name, fingerprint, severity,
// location.path, location.lines.begin. Severities follow eslint-formatter-gitlab: error → major,
// warning → minor, info → info. The fingerprint is the baseline fingerprint, so GitLab's MR widget
// tracks a finding across commits the way the baseline does.
import type { AuditResult, Finding } from '../engine/types.js';

export interface GitlabIssue {
  type: 'issue';
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  categories: string[];
  location: { path: string; lines: { begin: number; end?: number } };
}

const SEVERITY: Record<Finding['severity'], GitlabIssue['severity']> = { error: 'major', warning: 'minor', info: 'info' };

export function buildAuditGitlab(result: AuditResult): GitlabIssue[] {
  return result.findings.map((f) => ({
    type: 'issue',
    description: `${f.ruleId} ${f.message}`,
    check_name: `${f.ruleId} ${f.ruleName}`,
    fingerprint: f.fingerprint,
    severity: SEVERITY[f.severity],
    categories: [f.band === 'security' ? 'Security' : 'Bug Risk'],
    location: {
      path: f.location.file,
      lines: { begin: f.location.line, ...(f.location.endLine !== undefined && f.location.endLine > f.location.line ? { end: f.location.endLine } : {}) },
    },
  }));
}
