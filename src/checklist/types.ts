// The production-readiness checklist: one serialisable object (Checklist) that every output format
// (text summary, markdown, json) renders. Items are detected from the shared ProjectModel and the
// audit's findings; what cannot be detected is asked once and remembered in jobctl.yaml.
import type { ProjectModel } from '../model/types.js';
import type { AuditResult } from '../engine/types.js';
import type { Knowledge } from '../knowledge/types.js';
import type { ResolvedSetting } from '../rules/lib/settings.js';

export const CATEGORIES = ['secrets', 'redis', 'alerting', 'reliability', 'observability', 'serialization', 'tests'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<Category, string> = {
  secrets: 'Secrets',
  redis: 'Redis hardening',
  alerting: 'Alerting',
  reliability: 'Reliability',
  observability: 'Observability',
  serialization: 'Serialization security',
  tests: 'Tests',
};

export type ItemSeverity = 'critical' | 'high' | 'medium' | 'low';
export const ITEM_SEVERITY_ORDER: Record<ItemSeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * pass ✅ done · warn ⚠️ partly done / weaker than recommended · fail ❌ open ·
 * unconfirmed ❓ jobctl cannot tell from the files and nobody has answered · na ➖ does not apply.
 */
export type ItemStatus = 'pass' | 'warn' | 'fail' | 'unconfirmed' | 'na';
export const STATUS_SYMBOL: Record<ItemStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', unconfirmed: '❓', na: '➖' };

export interface Evidence {
  file: string;
  line: number;
  /** what is there, masked (never a secret value) */
  text: string;
  /** the audit rule that found it, when it came from the audit */
  ruleId?: string;
}

/** A person's answer for an item jobctl cannot detect (jobctl.yaml checklist.answers.<id>). */
export interface Answer {
  status: 'done' | 'not-done' | 'n/a';
  note?: string;
  by?: string;
  /** ISO date-time */
  at?: string;
}
export const ANSWER_STATUSES = ['done', 'not-done', 'n/a'] as const;

export interface ChecklistItem {
  id: string;
  category: Category;
  title: string;
  severity: ItemSeverity;
  status: ItemStatus;
  /** how jobctl decides (shown in the markdown so readers can judge the verdict) */
  howDetected: string;
  /** what was found in this project (masked) */
  detail: string;
  evidence: Evidence[];
  fix: string;
  sources: { title: string; ref: string }[];
  /** the answer that decided an unconfirmed item */
  answer?: Answer;
}

export interface ChecklistSummary {
  total: number;
  byStatus: Record<ItemStatus, number>;
  /** open = fail or warn, by severity */
  openBySeverity: Record<ItemSeverity, number>;
  unconfirmedBySeverity: Record<ItemSeverity, number>;
}

export interface Checklist {
  schemaVersion: 1;
  tool: { name: 'jobctl'; version: string };
  root: string;
  /** where answers are read from / written to (relative), null when there is no config yet */
  configFile: string | null;
  items: ChecklistItem[];
  summary: ChecklistSummary;
  /** answers in the config for ids jobctl does not know, or for items whose detection now decides */
  ignoredAnswers: { id: string; reason: string }[];
}

/** Facts read outside the ProjectModel (file kinds no integration reads, e.g. Prometheus rule files). */
export interface ChecklistExtras {
  /** Prometheus alerting rule files: relative path, line of the first `alert:` and how many alerts */
  alertRuleFiles: { file: string; line: number; alerts: number }[];
}

export interface DetectContext {
  model: ProjectModel;
  audit: AuditResult;
  knowledge: Knowledge;
  settings: ResolvedSetting[];
  extras: ChecklistExtras;
}

/** What a detector decides for one item. */
export interface Detection {
  status: ItemStatus;
  detail: string;
  evidence?: Evidence[];
}

export interface ItemDef {
  id: string;
  category: Category;
  title: string;
  severity: ItemSeverity;
  howDetected: string;
  fix: string;
  sources: { title: string; ref: string }[];
  /**
   * Celery settings (new names) whose absence or default the verdict rests on. When none of them was
   * read and a config source could not be read (model.unread), the item is ❓ with the reasons.
   */
  settings?: string[];
  /** those settings can also come from a worker command line (unread deploy files count too) */
  cliToo?: boolean;
  detect(ctx: DetectContext): Detection;
}
