// Stages 4 and 5 — smoke and load: the real worker, the real broker, each side's venv. The smoke
// test runs the full check list; the load test runs the same short closed-loop load on both sides
// so the table can show throughput, p95 and RSS growth side by side.
import { runSmokeTest } from '../../runtime/smoke.js';
import { loadTest, probeTask } from '../../loadtest/index.js';
import type { VerifyContext } from '../context.js';
import { onEachSide, stageBody, type StageBody } from './per-side.js';

export async function smokeStage(ctx: VerifyContext): Promise<StageBody> {
  if (!ctx.app) return { status: 'skip', reason: 'no Celery app found; pass --app or set `app:` in jobctl.yaml', evidence: [] };
  // a side whose worker did not start (or whose app did not load) fails; the other side still runs
  const p = await onEachSide(ctx, async (side, ws, venv) => {
    const r = await runSmokeTest({ root: ws.root, appDir: ws.appDir, app: ctx.app!, python: venv.python, config: ctx.config, renderer: 'silent', signal: ctx.signal, env: ctx.env, model: ws.model, side: side.role });
    const bad = r.checks.filter((c) => c.status === 'fail' && c.required);
    return {
      outcome: {
        celery: r.celeryVersion, status: r.ok ? 'pass' : 'fail',
        evidence: [
          `${r.checks.filter((c) => c.status === 'pass').length}/${r.checks.length} checks passed (pool ${r.pool}, ${r.concurrency} process(es))`,
          ...r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.status}: ${c.title} — ${c.evidence}`),
          ...r.warnings.map((w) => `worker warning: ${w}`),
        ],
        figures: { checks_passed: r.checks.filter((c) => c.status === 'pass').length, checks_failed: bad.length, worker_warnings: r.warnings.length },
      },
      failure: r.ok ? null : `${side.role} side (celery ${side.celery}): ${bad.map((c) => c.title).join(', ') || 'the worker did not run'}`,
      interrupted: r.interrupted,
    };
  }, { checks_passed: 0, checks_failed: 1 });
  const changes: string[] = [];
  const { current, target } = p.sides;
  if (current && target) {
    const before = new Set(current.evidence.filter((e) => e.startsWith('worker warning:')));
    for (const e of target.evidence.filter((x) => x.startsWith('worker warning:'))) if (!before.has(e)) changes.push(`appears under ${target.celery}: ${e}`);
    const after = new Set(target.evidence.filter((e) => e.startsWith('worker warning:')));
    for (const e of before) if (!after.has(e)) changes.push(`gone under ${target.celery}: ${e}`);
  }
  return stageBody(p, changes);
}

export async function loadStage(ctx: VerifyContext): Promise<StageBody> {
  const probe = probeTask('sleep:5');
  return stageBody(await onEachSide(ctx, async (side, ws, venv) => {
    const r = await loadTest({
      root: ws.root, model: ws.model, side: side.role, ...(ctx.app ? { app: ctx.app, appDir: ws.appDir } : {}), python: venv.python,
      task: probe.task, args: probe.args, shape: { mode: 'closed', concurrency: ctx.load.concurrency }, tasks: ctx.load.tasks,
      thresholds: ['lost==0', 'errors<1%'], signal: ctx.signal, sampleIntervalMs: 100, warmupTasks: Math.min(50, Math.floor(ctx.load.tasks / 4)),
    });
    const evidence = [
      `${r.counts.succeeded}/${r.counts.published} tasks succeeded, ${r.counts.failed} failed, ${r.counts.lost} lost; ${r.throughput.completedPerSec.toFixed(1)} tasks/s; e2e p95 ${r.latency.e2e.p95.toFixed(1)} ms`,
      ...(r.memory ? [`worker RSS ${r.memory.verdict}: ${r.memory.reason}`] : []),
      ...r.thresholds.filter((t) => !t.pass).map((t) => `threshold failed: ${t.expression} (${t.actual})`),
    ];
    return {
      outcome: {
        celery: r.environment.celery ?? side.celery, status: r.passed ? 'pass' : 'fail', evidence,
        figures: {
          throughput_per_s: Number(r.throughput.completedPerSec.toFixed(1)),
          e2e_p95_ms: Number(r.latency.e2e.p95.toFixed(1)),
          rss_growth_pct: r.memory?.growthPct === null || r.memory?.growthPct === undefined ? null : Number(r.memory.growthPct.toFixed(1)),
          lost: r.counts.lost,
        },
      },
      failure: r.passed ? null : `${side.role} side (celery ${side.celery}): ${evidence.find((e) => e.startsWith('threshold failed')) ?? 'load thresholds failed'}`,
      interrupted: r.interrupted,
    };
  }));
}
