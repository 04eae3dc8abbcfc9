// The result of an audit: one serialisable object that every reporter (text, json, sarif, github,
// markdown) renders. Findings never carry secret values (rules mask before reporting).
import type { Location, Note } from '../model/types.js';
import type { Band, Confidence, Severity } from '../rules/types.js';
import type { BaselineOutcome } from './baseline.js';

export interface Finding {
  ruleId: string;
  ruleName: string;
  band: Band;
  severity: Severity;
  confidence: Confidence;
  message: string;
  hint: string;
  location: Location;
  /** stable across runs: rule + file + normalised statement code + occurrence index (src/engine/fingerprint.ts); for SARIF partialFingerprints, GitLab and baselines */
  fingerprint: string;
  /** the rule's docs page (generated from the rule module), relative to the jobctl package; also `jobctl rules <ID>` */
  docs: string;
}

export interface RuleSummary {
  id: string;
  name: string;
  band: Band;
  severity: Severity;
  confidence: Confidence;
  title: string;
  description: string;
  fix: string;
  sources: { title: string; ref: string }[];
  docs: string;
}

export interface AuditResult {
  schemaVersion: 1;
  tool: { name: 'jobctl'; version: string };
  root: string;
  target: { version: string; requested: string } | null;
  current: { version: string; source: string } | null;
  findings: Finding[];
  suppressed: { count: number; byRule: Record<string, number> };
  /** present when a baseline was applied: how many findings it hid, and its entries that no longer occur */
  baseline?: BaselineOutcome;
  notes: Note[];
  summary: { errors: number; warnings: number; infos: number; filesScanned: number; durationMs: number; timings?: Record<string, number> };
  /** metadata of the rules that produced findings (reporters need titles/docs without importing rules) */
  rules: RuleSummary[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
