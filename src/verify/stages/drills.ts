// Stage "drills" — the failure drills (src/drills) on each side's venv, so a rehearsal shows
// per drill whether the target Celery changes the outcome. Not in the default stage list (about a
// minute per side): `jobctl verify --stages drills` or `--stages smoke,drills`.
import { runDrills } from '../../drills/index.js';
import { venvFor, type VerifyContext } from '../context.js';
import { workspaceFor } from '../workspace.js';
import type { SideOutcome, StageResult } from '../types.js';

type StageBody = Omit<StageResult, 'id' | 'title' | 'durationMs'>;

export async function drillsStage(ctx: VerifyContext): Promise<StageBody> {
  if (!ctx.app) return { status: 'skip', reason: 'no Celery app found; pass --app or set `app:` in jobctl.yaml', evidence: [] };
  const evidence: string[] = [];
  const sides: Partial<Record<'current' | 'target', SideOutcome>> = {};
  let failed: string | null = null;
  for (const side of ctx.sides) {
    const t0 = performance.now();
    const ws = await workspaceFor(ctx, side);
    const venv = await venvFor(ctx, side);
    try {
      const r = await runDrills({ root: ws.root, appDir: ws.appDir, app: ctx.app, python: venv.python, config: ctx.config, model: ws.model, side: side.role, signal: ctx.signal, env: ctx.env });
      const bad = r.drills.filter((d) => d.verdict === 'fail');
      const o: SideOutcome = {
        celery: r.celeryVersion, status: bad.length ? 'fail' : 'pass', durationMs: Math.round(performance.now() - t0),
        evidence: r.drills.map((d) => `${d.verdict}: ${d.id} — ${d.summary}`),
        figures: { drills_passed: r.drills.filter((d) => d.verdict === 'pass').length, drills_failed: bad.length, ...Object.fromEntries(r.drills.map((d) => [`drill_${d.id}`, d.verdict])) },
      };
      if (bad.length) failed ??= `${side.role} side (celery ${side.celery}): ${bad.map((d) => d.id).join(', ')} failed`;
      sides[side.role] = o;
      evidence.push(...o.evidence.map((e) => `[${side.role} ${side.celery}] ${e}`));
      if (r.interrupted) break;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const msg = (err as Error).message;
      sides[side.role] = { celery: side.celery, status: 'fail', durationMs: Math.round(performance.now() - t0), evidence: [msg], figures: {} };
      evidence.push(`[${side.role} ${side.celery}] ${msg}`);
      failed ??= msg;
    }
  }
  return { status: failed ? 'fail' : 'pass', ...(failed ? { reason: failed } : {}), evidence, ...sides };
}
