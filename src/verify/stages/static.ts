// Stage 1 — static: the audit for the version being verified (the target when rehearsing).
// Fails on error-severity findings, the same gate as `jobctl audit --fail-on error`.
import { runAudit } from '../../engine/audit.js';
import type { VerifyContext } from '../context.js';
import type { StageResult } from '../types.js';

export async function staticStage(ctx: VerifyContext): Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>> {
  const target = ctx.sides.find((s) => s.role === 'target')?.celery;
  // the model verify already built: the audit does not read the project a second time
  const result = await runAudit(ctx.root, { model: ctx.model, config: ctx.config, ...(target ? { target } : {}) });
  const errors = result.findings.filter((f) => f.severity === 'error');
  const evidence = [
    `audit${target ? ` for target ${target}` : ''}: ${result.findings.length} finding(s) — ${errors.length} error(s), ${result.findings.filter((f) => f.severity === 'warning').length} warning(s)`,
    ...errors.slice(0, 10).map((f) => `${f.location.file}:${f.location.line} ${f.ruleId} ${f.message}`),
  ];
  if (errors.length > 10) evidence.push(`… and ${errors.length - 10} more (jobctl audit${target ? ` --target ${target}` : ''})`);
  return errors.length > 0
    ? { status: 'fail', reason: `${errors.length} error-severity finding(s)${target ? ` for ${target}` : ''}; run \`jobctl audit${target ? ` --target ${target}` : ''}\``, evidence }
    : { status: 'pass', evidence };
}
