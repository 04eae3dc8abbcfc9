// buildChecklist: model + audit findings + config (answers) -> one Checklist. Pure: no I/O.
import type { ProjectModel } from '../model/types.js';
import type { AuditResult } from '../engine/types.js';
import type { JobctlConfig } from '../engine/config.js';
import { loadKnowledge } from '../knowledge/index.js';
import type { Knowledge } from '../knowledge/types.js';
import { effectiveSettings } from '../rules/lib/settings.js';
import { TOOL_VERSION } from '../util/version.js';
import { allItems } from './items/index.js';
import { readAnswers } from './answers.js';
import { collectSecretValues, redact } from '../report/redact.js';
import type { Checklist, ChecklistExtras, ChecklistItem, ChecklistSummary, DetectContext, Detection, ItemDef, ItemSeverity, ItemStatus } from './types.js';
import { ITEM_SEVERITY_ORDER } from './types.js';
import { gateOnUnread } from './unknown.js';

export interface BuildOptions {
  extras?: ChecklistExtras;
  knowledge?: Knowledge;
  /** item definitions (tests may pass a subset); default: every item */
  items?: ItemDef[];
}

export function buildChecklist(model: ProjectModel, audit: AuditResult, config: JobctlConfig, opts: BuildOptions = {}): Checklist {
  const knowledge = opts.knowledge ?? loadKnowledge();
  const ctx: DetectContext = {
    model, audit, knowledge,
    settings: effectiveSettings(model, knowledge),
    extras: opts.extras ?? { alertRuleFiles: [] },
  };
  const defs = opts.items ?? allItems;
  const answers = readAnswers(config);
  const ignoredAnswers: Checklist['ignoredAnswers'] = [];
  const items: ChecklistItem[] = defs.map((def) => {
    let d: Detection;
    try {
      d = gateOnUnread(def, def.detect(ctx), ctx);
    } catch (err) {
      // one broken detector must not sink the checklist: the item is asked instead
      d = { status: 'unconfirmed', detail: `jobctl could not evaluate this item (${(err as Error).message})` };
    }
    const item: ChecklistItem = {
      id: def.id, category: def.category, title: def.title, severity: def.severity,
      status: d.status, howDetected: def.howDetected, detail: d.detail, evidence: d.evidence ?? [],
      fix: def.fix, sources: def.sources,
    };
    const answer = answers[def.id];
    if (answer) {
      // a person's answer settles only what jobctl cannot see; detected facts always win
      if (d.status === 'unconfirmed') {
        item.status = answer.status === 'done' ? 'pass' : answer.status === 'not-done' ? 'fail' : 'na';
        item.answer = answer;
      } else {
        ignoredAnswers.push({ id: def.id, reason: `detected from the project files (${d.status}); the answer is not used` });
      }
    }
    return item;
  });
  for (const id of Object.keys(answers)) if (!defs.some((d) => d.id === id)) ignoredAnswers.push({ id, reason: 'not a checklist item id (`jobctl checklist --json` lists them)' });
  const checklist: Checklist = {
    schemaVersion: 1,
    tool: { name: 'jobctl', version: TOOL_VERSION },
    root: model.root,
    configFile: config.file,
    items,
    summary: summarize(items),
    ignoredAnswers,
  };
  return redact(checklist, collectSecretValues(model));
}

export function summarize(items: ChecklistItem[]): ChecklistSummary {
  const byStatus: Record<ItemStatus, number> = { pass: 0, warn: 0, fail: 0, unconfirmed: 0, na: 0 };
  const zero = (): Record<ItemSeverity, number> => ({ critical: 0, high: 0, medium: 0, low: 0 });
  const openBySeverity = zero();
  const unconfirmedBySeverity = zero();
  for (const i of items) {
    byStatus[i.status] += 1;
    if (i.status === 'fail' || i.status === 'warn') openBySeverity[i.severity] += 1;
    if (i.status === 'unconfirmed') unconfirmedBySeverity[i.severity] += 1;
  }
  return { total: items.length, byStatus, openBySeverity, unconfirmedBySeverity };
}

/**
 * Items that make `--fail-on <severity>` exit 1: open (❌/⚠️) items at or above it. Unconfirmed (❓)
 * items count too unless countUnconfirmed is false: readiness that nobody confirmed is not readiness.
 */
export function failingItems(checklist: Checklist, failOn: ItemSeverity, countUnconfirmed = true): ChecklistItem[] {
  return checklist.items.filter((i) => ITEM_SEVERITY_ORDER[i.severity] >= ITEM_SEVERITY_ORDER[failOn]
    && (i.status === 'fail' || i.status === 'warn' || (countUnconfirmed && i.status === 'unconfirmed')));
}
