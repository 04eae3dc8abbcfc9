// Stage "drills" — the failure drills (src/drills) on each side's venv, so a rehearsal shows
// per drill whether the target Celery changes the outcome. Not in the default stage list (about a
// minute per side): `jobctl verify --stages drills` or `--stages smoke,drills`.
import type { VerifyContext } from '../context.js';
import { runDrills } from '../../drills/index.js';
import { onEachSide, stageBody, type StageBody } from './per-side.js';

export async function drillsStage(ctx: VerifyContext): Promise<StageBody> {
  if (!ctx.app) return { status: 'skip', reason: 'no Celery app found; pass --app or set `app:` in jobctl.yaml', evidence: [] };
  return stageBody(await onEachSide(ctx, async (side, ws, venv) => {
    const r = await runDrills({ root: ws.root, appDir: ws.appDir, app: ctx.app!, python: venv.python, config: ctx.config, model: ws.model, side: side.role, signal: ctx.signal, env: ctx.env });
    const bad = r.drills.filter((d) => d.verdict === 'fail');
    return {
      outcome: {
        celery: r.celeryVersion, status: bad.length ? 'fail' : 'pass',
        evidence: r.drills.map((d) => `${d.verdict}: ${d.id} — ${d.summary}`),
        figures: { drills_passed: r.drills.filter((d) => d.verdict === 'pass').length, drills_failed: bad.length, ...Object.fromEntries(r.drills.map((d) => [`drill_${d.id}`, d.verdict])) },
      },
      failure: bad.length ? `${side.role} side (celery ${side.celery}): ${bad.map((d) => d.id).join(', ')} failed` : null,
      interrupted: r.interrupted,
    };
  }));
}
