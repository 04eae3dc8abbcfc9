// Stage 2 — deps: resolve the project's own requirement lines with each side's Celery (nothing
// injected: no extra the project did not ask for), without installing anything (`pip install
// --dry-run --ignore-installed --report`, through the one resolver in src/deps, in jobctl's own
// cached pip venv). A conflict fails the stage with pip's own explanation; a set that resolves but
// cannot run (kombu's Redis transport refusing the redis-py pip picked, or a module it imports that
// is not installed) fails it too, with the symptom and a fix checked to resolve and run.
import { ensureVenv } from '../cache.js';
import type { VerifyContext } from '../context.js';
import type { SideOutcome, StageResult } from '../types.js';
import { checkInstallWithPip, requirementLines } from '../../deps/index.js';
import { workspaceFor } from '../workspace.js';
import { usesRedisBroker } from '../../rules/lib/broker.js';
import { loadKnowledge } from '../../knowledge/index.js';

/** the packages whose versions verify shows (as installed in each side's venv, by the import stage) */
export const SHOWN = ['celery', 'kombu', 'billiard', 'vine', 'amqp', 'redis', 'click'];

export async function depsStage(ctx: VerifyContext): Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>> {
  const evidence: string[] = [];
  const sides: Partial<Record<'current' | 'target', SideOutcome>> = {};
  let failed: string | null = null;
  // pip >= 22.2 has --dry-run --report; a venv of our own keeps the user's pip (and any PEP 668 lock) out of it
  const tool = await ensureVenv({ label: 'pip-resolver', requirements: ['pip>=24.0'], basePython: ctx.basePython }, { signal: ctx.signal, env: ctx.env, log: ctx.log });
  const usesRedis = usesRedisBroker(ctx.model, loadKnowledge());
  for (const side of ctx.sides) {
    const t0 = performance.now();
    // production truth: no harness additions here; the target side's lines come from the plan's edits
    const ws = await workspaceFor(ctx, side);
    const reqs = ws.requirements;
    const check = await checkInstallWithPip(reqs, { pythonExe: tool.python, usesRedis, signal: ctx.signal, ...(ctx.constraint ? { constraint: ctx.constraint } : {}) });
    const res = check.resolution;
    const runs = res.ok && check.traps.length === 0;
    const outcome: SideOutcome = { celery: side.celery, status: runs ? 'pass' : 'fail', durationMs: Math.round(performance.now() - t0), evidence: [], figures: {} };
    const sources = [...new Set(reqs.flatMap((r) => (r.source ? [r.source.file] : [])))].sort();
    outcome.evidence.push(`requirements from ${sources.join(', ') || '(none: Celery alone)'} with celery==${side.celery}: ${requirementLines(reqs).join(' ')}`);
    const planned = ws.pinChanges.filter((c) => c.why.startsWith('plan'));
    if (planned.length) outcome.evidence.push(`pins the plan changes by hand, changed for the rehearsal: ${planned.map((c) => `${c.name} ${c.from} -> ${c.to}`).join(', ')}`);
    for (const c of ws.pinChanges.filter((x) => x.why.startsWith('pip'))) outcome.evidence.push(`pin the plan does not list but the target cannot keep: ${c.name} ${c.from} -> ${c.to} (${c.why})`);
    for (const c of ws.pinChanges.filter((x) => x.why.startsWith('resolver'))) outcome.evidence.push(`edit the plan misses, applied for the rehearsal: ${c.name} ${c.from} -> ${c.to} (${c.why})`);
    if (ws.pinChanges.length) outcome.evidence.push(`every other pin kept as written`);
    if (res.ok) {
      const picked = SHOWN.filter((n) => res.versions[n]).map((n) => `${n} ${res.versions[n]}`).join(', ');
      outcome.evidence.push(check.traps.length === 0 ? `resolves and runs: ${picked}` : `installs but does not run: ${picked}`);
      // the side-by-side table shows the versions installed in the venv the later stages ran on (import
      // stage); a cached venv can predate today's resolution, so these are evidence, not table figures
      ctx.facts.set(`deps:${side.role}`, res.versions);
      outcome.figures.packages = Object.keys(res.versions).length;
      for (const trap of check.traps) outcome.evidence.push(`${trap.message} — the worker stops with \`${trap.symptom}\` (${trap.source})`);
      if (check.fix) outcome.evidence.push(`fix (checked to resolve and run): ${check.fix.edits.map((e) => `${e.action === 'add' ? 'add' : `change ${e.where} to`} \`${e.line}\``).join(', ')} — ${check.fix.summary}`);
      if (check.traps.length > 0) failed ??= `celery ${side.celery}: installs, but ${check.traps[0]!.message}`;
    } else {
      outcome.evidence.push(...res.conflict);
      failed ??= `celery ${side.celery}: ${res.conflict.find((l) => /requested|depends on/i.test(l)) ?? res.conflict[0] ?? 'pip could not resolve the requirements'}`;
    }
    sides[side.role] = outcome;
    evidence.push(...outcome.evidence.map((e) => `[${side.role} ${side.celery}] ${e}`));
  }
  return { status: failed ? 'fail' : 'pass', ...(failed ? { reason: `requirements ${/installs, but/.test(failed) ? 'resolve but do not run' : 'do not resolve'} — ${failed}` } : {}), evidence, ...sides };
}
