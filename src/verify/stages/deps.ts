// Stage 2 — deps: resolve the project's requirements with each side's Celery, without installing
// anything (`pip install --dry-run --ignore-installed --report`), in jobctl's own cached pip venv.
// A conflict fails the stage with pip's own explanation (the pins it names).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInGroup } from '../exec.js';
import { ensureVenv } from '../cache.js';
import type { VerifyContext } from '../context.js';
import { requirementsFor } from '../requirements.js';
import type { SideOutcome, StageResult } from '../types.js';

const SHOWN = ['celery', 'kombu', 'billiard', 'vine', 'amqp', 'redis', 'click'];

interface PipReport { install?: { metadata?: { name?: string; version?: string } }[] }

export async function resolveRequirements(ctx: VerifyContext, lines: string[]): Promise<{ ok: true; resolved: Record<string, string> } | { ok: false; conflict: string[] }> {
  // pip >= 22.2 has --dry-run --report; a venv of our own keeps the user's pip (and any PEP 668 lock) out of it
  const tool = await ensureVenv({ label: 'pip-resolver', requirements: ['pip>=24.0'], basePython: ctx.basePython }, { signal: ctx.signal, env: ctx.env, log: ctx.log });
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-deps-'));
  try {
    writeFileSync(path.join(dir, 'requirements.txt'), `${lines.join('\n')}\n`);
    const report = path.join(dir, 'report.json');
    // not --quiet: pip prints "The conflict is caused by: …" (the pins) at its normal level
    const r = await runInGroup(tool.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--dry-run', '--ignore-installed', '--progress-bar', 'off', '--report', report, '-r', path.join(dir, 'requirements.txt')], {
      timeout: 10 * 60_000, signal: ctx.signal,
    });
    if (r.exitCode !== 0) {
      const all = String(r.all ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
      const start = all.findIndex((l) => /The conflict is caused by|conflicting dependencies|ResolutionImpossible|No matching distribution|Could not find a version/i.test(l));
      const conflict = (start >= 0 ? all.slice(start) : all.slice(-6)).filter((l) => !/^To fix this|^\s*$|^1\.|^2\.|Loosen|Remove package versions|try to/i.test(l) && !l.startsWith('https://')).slice(0, 10);
      return { ok: false, conflict };
    }
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as PipReport;
    const resolved: Record<string, string> = {};
    for (const i of parsed.install ?? []) if (i.metadata?.name && i.metadata.version) resolved[i.metadata.name.toLowerCase()] = i.metadata.version;
    return { ok: true, resolved };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function depsStage(ctx: VerifyContext): Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>> {
  const evidence: string[] = [];
  const sides: Partial<Record<'current' | 'target', SideOutcome>> = {};
  let failed: string | null = null;
  for (const side of ctx.sides) {
    const t0 = performance.now();
    const reqs = requirementsFor(ctx.model, side.celery); // production truth: no harness additions here
    const res = await resolveRequirements(ctx, reqs.lines);
    const outcome: SideOutcome = { celery: side.celery, status: res.ok ? 'pass' : 'fail', durationMs: Math.round(performance.now() - t0), evidence: [], figures: {} };
    outcome.evidence.push(`requirements from ${reqs.sources.join(', ') || '(none: Celery alone)'} with celery==${side.celery}`);
    if (res.ok) {
      outcome.evidence.push(`resolves: ${SHOWN.filter((n) => res.resolved[n]).map((n) => `${n} ${res.resolved[n]}`).join(', ')}`);
      for (const n of SHOWN) outcome.figures[n] = res.resolved[n] ?? null;
      outcome.figures.packages = Object.keys(res.resolved).length;
    } else {
      outcome.evidence.push(...res.conflict);
      failed ??= `celery ${side.celery}: ${res.conflict.find((l) => /requested|depends on/i.test(l)) ?? res.conflict[0] ?? 'pip could not resolve the requirements'}`;
    }
    sides[side.role] = outcome;
    evidence.push(...outcome.evidence.map((e) => `[${side.role} ${side.celery}] ${e}`));
  }
  return { status: failed ? 'fail' : 'pass', ...(failed ? { reason: `requirements do not resolve — ${failed}` } : {}), evidence, ...sides };
}
