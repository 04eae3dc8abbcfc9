// Stages 4 and 5 — smoke and load: the real worker, the real broker, each side's venv. The smoke
// test runs the full check list; the load test runs the same short closed-loop load on both sides
// so the table can show throughput, p95 and RSS growth side by side.
import { runSmokeTest } from '../../runtime/smoke.js';
import { loadTest, probeTask } from '../../loadtest/index.js';
import { venvFor, type VerifyContext } from '../context.js';
import { workspaceFor } from '../workspace.js';
import type { SideOutcome, StageResult } from '../types.js';

type StageBody = Omit<StageResult, 'id' | 'title' | 'durationMs'>;

export async function smokeStage(ctx: VerifyContext): Promise<StageBody> {
  if (!ctx.app) return { status: 'skip', reason: 'no Celery app found; pass --app or set `app:` in jobctl.yaml', evidence: [] };
  const evidence: string[] = [];
  const sides: Partial<Record<'current' | 'target', SideOutcome>> = {};
  let failed: string | null = null;
  for (const side of ctx.sides) {
    const t0 = performance.now();
    const ws = await workspaceFor(ctx, side);
    const venv = await venvFor(ctx, side);
    let r: Awaited<ReturnType<typeof runSmokeTest>>;
    try {
      r = await runSmokeTest({ root: ws.root, appDir: ws.appDir, app: ctx.app, python: venv.python, config: ctx.config, renderer: 'silent', signal: ctx.signal, env: ctx.env, model: ws.model, side: side.role });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // the worker did not start (or the app did not load) on this side: that side fails, the other still runs
      const msg = (err as Error).message;
      sides[side.role] = { celery: side.celery, status: 'fail', durationMs: Math.round(performance.now() - t0), evidence: [msg], figures: { checks_passed: 0, checks_failed: 1 } };
      evidence.push(`[${side.role} ${side.celery}] ${msg}`);
      failed ??= msg;
      continue;
    }
    const bad = r.checks.filter((c) => c.status === 'fail' && c.required);
    const o: SideOutcome = {
      celery: r.celeryVersion, status: r.ok ? 'pass' : 'fail', durationMs: Math.round(performance.now() - t0),
      evidence: [
        `${r.checks.filter((c) => c.status === 'pass').length}/${r.checks.length} checks passed (pool ${r.pool}, ${r.concurrency} process(es))`,
        ...r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.status}: ${c.title} — ${c.evidence}`),
        ...r.warnings.map((w) => `worker warning: ${w}`),
      ],
      figures: { checks_passed: r.checks.filter((c) => c.status === 'pass').length, checks_failed: bad.length, worker_warnings: r.warnings.length },
    };
    if (!r.ok) failed ??= `${side.role} side (celery ${side.celery}): ${bad.map((c) => c.title).join(', ') || 'the worker did not run'}`;
    sides[side.role] = o;
    evidence.push(...o.evidence.map((e) => `[${side.role} ${side.celery}] ${e}`));
    if (r.interrupted) break;
  }
  if (sides.current && sides.target) {
    const before = new Set(sides.current.evidence.filter((e) => e.startsWith('worker warning:')));
    for (const e of sides.target.evidence.filter((x) => x.startsWith('worker warning:'))) if (!before.has(e)) evidence.push(`appears under ${sides.target.celery}: ${e}`);
    const after = new Set(sides.target.evidence.filter((e) => e.startsWith('worker warning:')));
    for (const e of before) if (!after.has(e)) evidence.push(`gone under ${sides.target.celery}: ${e}`);
  }
  return { status: failed ? 'fail' : 'pass', ...(failed ? { reason: failed } : {}), evidence, ...sides };
}

export async function loadStage(ctx: VerifyContext): Promise<StageBody> {
  const evidence: string[] = [];
  const sides: Partial<Record<'current' | 'target', SideOutcome>> = {};
  let failed: string | null = null;
  const probe = probeTask('sleep:5');
  for (const side of ctx.sides) {
    const t0 = performance.now();
    const ws = await workspaceFor(ctx, side);
    const venv = await venvFor(ctx, side);
    const run = loadTest({
      root: ws.root, model: ws.model, side: side.role, ...(ctx.app ? { app: ctx.app, appDir: ws.appDir } : {}), python: venv.python,
      task: probe.task, args: probe.args, shape: { mode: 'closed', concurrency: ctx.load.concurrency }, tasks: ctx.load.tasks,
      thresholds: ['lost==0', 'errors<1%'], signal: ctx.signal, sampleIntervalMs: 100, warmupTasks: Math.min(50, Math.floor(ctx.load.tasks / 4)),
    });
    let r: Awaited<typeof run>;
    try {
      r = await run;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const msg = (err as Error).message;
      sides[side.role] = { celery: side.celery, status: 'fail', durationMs: Math.round(performance.now() - t0), evidence: [msg], figures: {} };
      evidence.push(`[${side.role} ${side.celery}] ${msg}`);
      failed ??= msg;
      continue;
    }
    const o: SideOutcome = {
      celery: r.environment.celery ?? side.celery, status: r.passed ? 'pass' : 'fail', durationMs: Math.round(performance.now() - t0),
      evidence: [
        `${r.counts.succeeded}/${r.counts.published} tasks succeeded, ${r.counts.failed} failed, ${r.counts.lost} lost; ${r.throughput.completedPerSec.toFixed(1)} tasks/s; e2e p95 ${r.latency.e2e.p95.toFixed(1)} ms`,
        ...(r.memory ? [`worker RSS ${r.memory.verdict}: ${r.memory.reason}`] : []),
        ...r.thresholds.filter((t) => !t.pass).map((t) => `threshold failed: ${t.expression} (${t.actual})`),
      ],
      figures: {
        throughput_per_s: Number(r.throughput.completedPerSec.toFixed(1)),
        e2e_p95_ms: Number(r.latency.e2e.p95.toFixed(1)),
        rss_growth_pct: r.memory?.growthPct === null || r.memory?.growthPct === undefined ? null : Number(r.memory.growthPct.toFixed(1)),
        lost: r.counts.lost,
      },
    };
    if (!r.passed) failed ??= `${side.role} side (celery ${side.celery}): ${o.evidence.find((e) => e.startsWith('threshold failed')) ?? 'load thresholds failed'}`;
    sides[side.role] = o;
    evidence.push(...o.evidence.map((e) => `[${side.role} ${side.celery}] ${e}`));
    if (r.interrupted) break;
  }
  return { status: failed ? 'fail' : 'pass', ...(failed ? { reason: failed } : {}), evidence, ...sides };
}
