// A drill is one module: its metadata plus a run over the shared DrillRun harness.
import { RedisDrillBroker, type DrillBroker } from './broker.js';
import { RabbitDrillBroker } from './rabbit-broker.js';
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
  /** why this drill does not apply to the project (e.g. a Redis-only drill for an app on RabbitMQ), or null */
  notApplicable?(ctx: DrillContext): string | null;
  /** the setting shown when the drill is interrupted or cannot start */
  setting(ctx: DrillContext): DrillSetting;
}

/** the app's broker is not Redis: a Redis-only drill says so instead of drilling the wrong broker */
export function redisOnly(what: string): (ctx: DrillContext) => string | null {
  return (ctx) => (ctx.brokerKind === 'rabbitmq' || (ctx.brokerScheme && !/^(redis|rediss|valkey)/.test(ctx.brokerScheme)) ? `the app's broker is ${ctx.brokerScheme ?? 'amqp'}://, and ${what}; not drilled` : null);
}

/** a fact for drills that run on Redis for an app whose broker is something else */
export function otherBrokerFact(ctx: DrillContext): string[] {
  return ctx.brokerKind !== 'rabbitmq' && ctx.brokerScheme && !/^(redis|rediss|valkey)/.test(ctx.brokerScheme)
    ? [`the app's broker is ${ctx.brokerScheme}://; drilled on Redis, where an unacknowledged message comes back only after visibility_timeout (RabbitMQ redelivers it as soon as the worker's connection closes)`]
    : [];
}

/** the drill broker of the context's kind: RabbitMQ (jobctl's own node) or Redis with `directives` */
export async function openDrillBroker(ctx: DrillContext, directives: string[] = []): Promise<DrillBroker> {
  return ctx.brokerKind === 'rabbitmq' ? RabbitDrillBroker.open() : RedisDrillBroker.open({ directives });
}

/** Run one drill from its own private broker to the last process ended, whatever happens. */
export async function runDrill(def: DrillDef, ctx: DrillContext): Promise<DrillResult> {
  const started = Date.now();
  const base = { id: def.id, title: def.title, broker: 'redis' as const, budgetMs: def.budgetMs, facts: [] as string[], counts: {} as Record<string, number>, setting: def.setting(ctx) };
  if (ctx.signal.aborted) return interruptedResult({ ...base, timeline: [] }, started);
  const na = def.notApplicable?.(ctx) ?? null;
  if (na) return { ...base, verdict: 'skip', summary: na, reason: na, timeline: [], durationMs: 0 };
  const broker = await def.broker(ctx);
  // the budget is enforced: past it the drill is aborted like a Ctrl-C, and reported as a failure
  const overrun = new AbortController();
  const timer = setTimeout(() => overrun.abort(), def.budgetMs);
  const signal = AbortSignal.any([ctx.signal, overrun.signal]);
  const bounded = new DrillRun({ ...ctx, signal }, broker, ctx.onEvent ? (e) => ctx.onEvent!(def.id, e) : undefined);
  try {
    // an await that ignores the abort (a client stuck on a dead connection) must not hang the command:
    // 5 s past the budget the drill is given up and its processes ended below
    let hard: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => { hard = setTimeout(() => { overrun.abort(); reject(new Interrupted('over budget')); }, def.budgetMs + 5000); });
    const out = await Promise.race([def.run(bounded), giveUp]).finally(() => clearTimeout(hard));
    return { ...base, broker: broker.kind, ...out, facts: [`broker: ${broker.describe()}`, ...out.facts], timeline: bounded.timeline.events, durationMs: Date.now() - started };
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
