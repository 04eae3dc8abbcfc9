// The loop every runtime stage (smoke, load, drills) shares: run one thing on each side's workspace
// and venv, turn its result into that side's outcome, and keep going on the other side when one side
// cannot even start (that side fails, with the error as its evidence). Interrupts end the loop.
import { venvFor, type VerifyContext } from '../context.js';
import { workspaceFor } from '../workspace.js';
import type { SideOutcome, StageResult } from '../types.js';

export type StageBody = Omit<StageResult, 'id' | 'title' | 'durationMs'>;
type Side = VerifyContext['sides'][number];

/** What one side's run gives the stage: its outcome (durationMs is filled in here), why it failed, if it did. */
export interface SideRun {
  outcome: Omit<SideOutcome, 'durationMs'>;
  failure: string | null;
  interrupted?: boolean;
}

export interface PerSide {
  sides: Partial<Record<'current' | 'target', SideOutcome>>;
  evidence: string[];
  failed: string | null;
}

export async function onEachSide(
  ctx: VerifyContext,
  run: (side: Side, ws: Awaited<ReturnType<typeof workspaceFor>>, venv: Awaited<ReturnType<typeof venvFor>>) => Promise<SideRun>,
  /** figures of a side whose run threw (e.g. the worker did not start) */
  failedFigures: SideOutcome['figures'] = {},
): Promise<PerSide> {
  const out: PerSide = { sides: {}, evidence: [], failed: null };
  for (const side of ctx.sides) {
    const t0 = performance.now();
    const ws = await workspaceFor(ctx, side);
    const venv = await venvFor(ctx, side);
    let r: SideRun;
    try {
      r = await run(side, ws, venv);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const msg = (err as Error).message;
      out.sides[side.role] = { celery: side.celery, status: 'fail', durationMs: Math.round(performance.now() - t0), evidence: [msg], figures: failedFigures };
      out.evidence.push(`[${side.role} ${side.celery}] ${msg}`);
      out.failed ??= msg;
      continue;
    }
    const o: SideOutcome = { ...r.outcome, durationMs: Math.round(performance.now() - t0) };
    out.sides[side.role] = o;
    out.evidence.push(...o.evidence.map((e) => `[${side.role} ${side.celery}] ${e}`));
    if (r.failure) out.failed ??= r.failure;
    if (r.interrupted) break;
  }
  return out;
}

export function stageBody(p: PerSide, extraEvidence: string[] = []): StageBody {
  return { status: p.failed ? 'fail' : 'pass', ...(p.failed ? { reason: p.failed } : {}), evidence: [...p.evidence, ...extraEvidence], ...p.sides };
}
