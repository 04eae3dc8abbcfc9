// The checklist as a library: read the project once, audit it, build the checklist.
import { buildProjectModel } from '../model/index.js';
import { runAudit } from '../engine/audit.js';
import { loadConfig, type JobctlConfig } from '../engine/config.js';
import type { ProjectModel } from '../model/types.js';
import type { AuditResult } from '../engine/types.js';
import { buildChecklist } from './build.js';
import { collectExtras } from './extras.js';
import type { Checklist, ChecklistExtras } from './types.js';

export { buildChecklist, failingItems, summarize } from './build.js';
export { readAnswers, saveAnswers } from './answers.js';
export { renderChecklistText } from './render-text.js';
export { renderChecklistMarkdown } from './render-markdown.js';
export type * from './types.js';

export interface ChecklistRun {
  checklist: Checklist;
  model: ProjectModel;
  audit: AuditResult;
  config: JobctlConfig;
  extras: ChecklistExtras;
}

/** `cache`: read the project through the per-file fact cache (the CLI does unless --no-cache). */
export async function runChecklist(root: string, opts: { cache?: boolean } = {}): Promise<ChecklistRun> {
  const config = await loadConfig(root);
  const model = await buildProjectModel(root, { exclude: config.exclude ?? [], ...(opts.cache ? { cache: true } : {}) });
  // the audit shares the model: no file is read twice
  const audit = await runAudit(root, { config, model });
  const extras = await collectExtras(model.root, config.exclude ?? []);
  return { checklist: buildChecklist(model, audit, config, { extras }), model, audit, config, extras };
}
