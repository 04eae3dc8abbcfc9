// Upgrade planning (issue 3): plan (pure) and apply are separate, like changesets. `planUpgrade` is the
// convenience entry the CLI uses: build the model once, audit it for the target, assemble the plan.
import { buildProjectModel } from '../model/index.js';
import type { ProjectModel } from '../model/types.js';
import { runAudit } from '../engine/audit.js';
import { loadConfig } from '../engine/config.js';
import { loadKnowledge } from '../knowledge/index.js';
import { JobctlError } from '../util/errors.js';
import { assembleUpgradePlan, type PlanOptions } from './assemble.js';
import type { UpgradePlan } from './types.js';
import { testedPythons } from './python-tested.js';
import { documentedCommands } from './documented-commands.js';

export { assembleUpgradePlan, riskOfFinding, maxRisk, type PlanOptions } from './assemble.js';
export { applyPlan, planDiffs, type ApplyResult, type AppliedEdit } from './apply.js';
export { renderPlanMarkdown } from './render-markdown.js';
export type * from './types.js';

export async function planUpgrade(root: string, opts: PlanOptions = {}): Promise<UpgradePlan> {
  return (await planUpgradeWithModel(root, opts)).plan;
}

/** The plan and the model it was made from (callers that render it need the model's secrets to mask them). */
export async function planUpgradeWithModel(root: string, opts: PlanOptions = {}): Promise<{ plan: UpgradePlan; model: ProjectModel }> {
  const k = loadKnowledge();
  const config = await loadConfig(root);
  const to = opts.to ?? config.target ?? 'latest';
  const target = k.releaseFor(to);
  if (!target) {
    const lines = [...new Set([...k.legacyReleases, ...k.releases].map((r) => r.version.split('.').slice(0, 2).join('.')))].join(', ');
    throw new JobctlError(`--to ${to}: not a Celery release jobctl knows (known lines: ${lines}); pass e.g. --to ${k.newestVersion}`);
  }
  const model = await buildProjectModel(root, { exclude: config.exclude ?? [], ...(opts.cache ? { cache: true } : {}) });
  const audit = await runAudit(root, { model, config, target: target.version });
  return { plan: assembleUpgradePlan(model, audit, k, { ...opts, to, tested: opts.tested ?? testedPythons(root), documented: opts.documented ?? documentedCommands(root) }), model };
}
