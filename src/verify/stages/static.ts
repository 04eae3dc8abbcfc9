// Stage 1 — static: the audit for the version being verified (the target when rehearsing). When
// rehearsing, it gates only on error-severity findings the upgrade brings (present for the target,
// absent for the current version): a committed compose password is worth reading, but it is the
// same before and after the upgrade and says nothing about whether to upgrade.
import { runAudit } from '../../engine/audit.js';
import type { Finding } from '../../engine/types.js';
import type { VerifyContext } from '../context.js';
import type { StageResult } from '../types.js';

const key = (f: Finding): string => `${f.ruleId}|${f.location.file}|${f.location.line}`;

export async function staticStage(ctx: VerifyContext): Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>> {
  const target = ctx.sides.find((s) => s.role === 'target')?.celery;
  const current = ctx.sides.find((s) => s.role === 'current')?.celery;
  // the model verify already built: the audit does not read the project a second time
  const result = await runAudit(ctx.root, { model: ctx.model, config: ctx.config, ...(target ? { target } : {}) });
  const errors = result.findings.filter((f) => f.severity === 'error');
  let gating = errors;
  let unchanged: Finding[] = [];
  if (target && current) {
    const before = await runAudit(ctx.root, { model: ctx.model, config: ctx.config, target: current });
    const had = new Set(before.findings.map(key));
    gating = errors.filter((f) => !had.has(key(f)));
    unchanged = errors.filter((f) => had.has(key(f)));
  }
  const evidence = [
    `audit${target ? ` for target ${target}` : ''}: ${result.findings.length} finding(s) — ${errors.length} error(s), ${result.findings.filter((f) => f.severity === 'warning').length} warning(s)`,
    ...gating.slice(0, 10).map((f) => `${f.location.file}:${f.location.line} ${f.ruleId} ${f.message}`),
  ];
  if (gating.length > 10) evidence.push(`… and ${gating.length - 10} more (jobctl audit${target ? ` --target ${target}` : ''})`);
  if (unchanged.length) evidence.push(`${unchanged.length} error(s) the upgrade does not change (also there under ${current}; not a reason to hold the upgrade): ${unchanged.slice(0, 5).map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`).join(', ')}`);
  return gating.length > 0
    ? { status: 'fail', reason: `${gating.length} error-severity finding(s)${target ? ` the upgrade to ${target} brings` : ''}; run \`jobctl audit${target ? ` --target ${target}` : ''}\``, evidence }
    : { status: 'pass', evidence };
}
