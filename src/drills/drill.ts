// A drill is one module: its metadata plus a run over the shared DrillRun harness.
import type { DrillBroker } from './broker.js';
import { DrillRun, Interrupted, interruptedResult, type DrillContext } from './harness.js';
import type { DrillId, DrillResult, DrillSetting } from './types.js';

export interface DrillOutcome {
  verdict: 'pass' | 'fail' | 'skip';
  summary: string;
  reason?: string;
  counts: Record<string, number>;
  facts: string[];
  setting: DrillSetting;
}

export interface DrillDef {
  id: DrillId;
  title: string;
  /** brokers this drill can run on */
  brokers: ('redis' | 'amqp')[];
  /** the time the drill may take (ms), worker start-up included */
  budgetMs: number;
  /** the broker it needs: the project's persistence / memory settings go in here */
  broker(ctx: DrillContext): Promise<DrillBroker>;
  run(run: DrillRun): Promise<DrillOutcome>;
  /** the setting shown when the drill is interrupted or cannot start */
  setting(ctx: DrillContext): DrillSetting;
}

/** Run one drill from its own private broker to the last process ended, whatever happens. */
export async function runDrill(def: DrillDef, ctx: DrillContext): Promise<DrillResult> {
  const started = Date.now();
  const base = { id: def.id, title: def.title, broker: 'redis' as const, budgetMs: def.budgetMs, facts: [] as string[], counts: {} as Record<string, number>, setting: def.setting(ctx) };
  if (ctx.signal.aborted) return interruptedResult({ ...base, timeline: [] }, started);
  const broker = await def.broker(ctx);
  // the budget is enforced: past it the drill is aborted like a Ctrl-C, and reported as a failure
  const overrun = new AbortController();
  const timer = setTimeout(() => overrun.abort(), def.budgetMs);
  const signal = AbortSignal.any([ctx.signal, overrun.signal]);
  const bounded = new DrillRun({ ...ctx, signal }, broker);
  try {
    const out = await def.run(bounded);
    return { ...base, broker: broker.kind, ...out, timeline: bounded.timeline.events, durationMs: Date.now() - started };
  } catch (err) {
    if (err instanceof Interrupted || signal.aborted) {
      if (ctx.signal.aborted) return interruptedResult({ ...base, broker: broker.kind, timeline: bounded.timeline.events }, started);
      return { ...base, broker: broker.kind, verdict: 'fail', summary: `did not finish within its ${Math.round(def.budgetMs / 1000)} s budget`, timeline: bounded.timeline.events, durationMs: Date.now() - started };
    }
    throw err;
  } finally {
    clearTimeout(timer);
    await bounded.close();
    await broker.stop().catch(() => undefined);
  }
}
