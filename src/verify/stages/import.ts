// Stage 3 — import: install each side's venv (project requirements + that Celery), load the app the
// way the worker does, and compare: registered tasks (one that disappears under the target is a
// failure), the settings that differ from defaults (masked), and the warnings Celery emits.
import path from 'node:path';
import { runInGroup } from '../exec.js';
import { templatesPythonDir } from '../../runtime/paths.js';
import { importFailureReason } from '../../runtime/python-errors.js';
import { venvFor, type VerifyContext } from '../context.js';
import { workspaceFor } from '../workspace.js';
import { deployedEnv } from '../../runtime/deployed.js';
import { placeholderBrokerEnv } from '../../runtime/worker.js';
import type { ProjectModel } from '../../model/types.js';
import { PipInstallError } from '../cache.js';
import type { SideOutcome, StageResult } from '../types.js';
import { SHOWN } from './deps.js';

/** What is really installed in a venv (importlib.metadata), for the packages verify shows. */
export async function installedVersions(ctx: VerifyContext, python: string, names: string[] = SHOWN): Promise<Record<string, string | null>> {
  const code = 'import json, sys\nfrom importlib import metadata as m\nout = {}\nfor n in sys.argv[1:]:\n    try:\n        out[n] = m.version(n)\n    except m.PackageNotFoundError:\n        out[n] = None\nprint(json.dumps(out))';
  const r = await runInGroup(python, ['-c', code, ...names], { signal: ctx.signal, timeout: 60_000, env: { PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.exitCode !== 0) return Object.fromEntries(names.map((n) => [n, null]));
  return JSON.parse(String(r.stdout).trim().split('\n').pop() ?? '{}') as Record<string, string | null>;
}

export interface ImportFacts {
  celery: string;
  python: string;
  tasks: string[];
  config: Record<string, unknown>;
  warnings: string[];
}

export async function importApp(ctx: VerifyContext, python: string, appDir: string = ctx.appDir, model: ProjectModel = ctx.model): Promise<ImportFacts | { error: string }> {
  const script = path.join(templatesPythonDir(), 'jobctl_verify_import.py');
  // the env the deployed worker gets from the project's files (settings modules read it at import)
  const fromFiles = deployedEnv(model, ctx.app!).env;
  const r = await runInGroup(python, [script, ctx.app!], {
    cwd: appDir, signal: ctx.signal, timeout: 120_000,
    // placeholders for the broker variables the worker gets from jobctl (see placeholderBrokerEnv)
    env: { ...fromFiles, ...ctx.env, ...placeholderBrokerEnv({ ...fromFiles, ...ctx.env }), PYTHONPATH: appDir, PYTHONDONTWRITEBYTECODE: '1' }, extendEnv: false,
  });
  if (r.timedOut) return { error: 'importing the app took longer than 120 s (does a module block at import time?)' };
  if (r.exitCode !== 0) return { error: importFailureReason(String(r.stderr ?? ''), r.exitCode) };
  return JSON.parse(String(r.stdout).trim().split('\n').pop() ?? '{}') as ImportFacts;
}

export async function importStage(ctx: VerifyContext): Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>> {
  if (!ctx.app) return { status: 'skip', reason: 'no Celery app found; pass --app or set `app:` in jobctl.yaml', evidence: [] };
  const sides: Partial<Record<'current' | 'target', SideOutcome>> = {};
  const facts: Partial<Record<'current' | 'target', ImportFacts>> = {};
  const evidence: string[] = [];
  let failed: string | null = null;
  for (const side of ctx.sides) {
    const t0 = performance.now();
    const outcome: SideOutcome = { celery: side.celery, status: 'pass', durationMs: 0, evidence: [], figures: {} };
    try {
      const ws = await workspaceFor(ctx, side);
      if (ws.planEdits.length) outcome.evidence.push(`plan edits applied to a copy: ${ws.planEdits.join(' | ')}`);
      const venv = await venvFor(ctx, side);
      outcome.evidence.push(`venv ${venv.key}${venv.cached ? ' (cached)' : ' (built)'} from: ${ws.lines.join(' ')}`);
      if (venv.setupResult) outcome.evidence.push(`venv ${venv.key}: ${venv.setupResult}`);
      // the table's package versions are the ones this venv really has (the later stages run on it),
      // not what the requirement lines resolve to today: a cached venv can be older than that
      const installed = await installedVersions(ctx, venv.python);
      for (const n of SHOWN) outcome.figures[n] = installed[n] ?? null;
      outcome.evidence.push(`installed: ${SHOWN.filter((n) => installed[n]).map((n) => `${n} ${installed[n]}`).join(', ')}`);
      const resolved = ctx.facts.get(`deps:${side.role}`) as Record<string, string> | undefined;
      const stale = resolved ? SHOWN.filter((n) => resolved[n] && installed[n] && resolved[n] !== installed[n]) : [];
      if (stale.length) outcome.evidence.push(`a fresh install today resolves ${stale.map((n) => `${n} ${resolved![n]}`).join(', ')} instead (deps stage); this venv was built earlier — delete ${venv.dir} to rebuild it`);
      const res = await importApp(ctx, venv.python, ws.appDir, ws.model);
      if ('error' in res) {
        outcome.status = 'fail';
        outcome.evidence.push(`app ${ctx.app} does not import: ${res.error}`);
        failed ??= `${side.role} side (celery ${side.celery}): app ${ctx.app} does not import — ${res.error}`;
      } else {
        facts[side.role] = res;
        const own = res.tasks.filter((t) => !t.startsWith('celery.'));
        outcome.figures.tasks = own.length;
        outcome.figures.warnings = res.warnings.length;
        outcome.evidence.push(`celery ${res.celery} on Python ${res.python}: ${own.length} task(s) registered`, ...res.warnings.map((w) => `warning: ${w}`));
        outcome.evidence.push(`settings changed from defaults: ${Object.keys(res.config).join(', ') || '(none)'}`);
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      outcome.status = 'fail';
      const msg = err instanceof PipInstallError ? err.message : (err as Error).message;
      outcome.evidence.push(msg);
      failed ??= `${side.role} side (celery ${side.celery}): ${msg}`;
    }
    outcome.durationMs = Math.round(performance.now() - t0);
    sides[side.role] = outcome;
  }
  if (facts.current && facts.target) {
    const before = new Set(facts.current.tasks);
    const after = new Set(facts.target.tasks);
    const gone = [...before].filter((t) => !after.has(t) && !t.startsWith('celery.'));
    const added = [...after].filter((t) => !before.has(t) && !t.startsWith('celery.'));
    if (gone.length) failed ??= `task(s) registered under ${facts.current.celery} but not under ${facts.target.celery}: ${gone.join(', ')}`;
    if (gone.length) evidence.push(`tasks gone under the target: ${gone.join(', ')}`);
    if (added.length) evidence.push(`tasks new under the target: ${added.join(', ')}`);
    const wBefore = new Set(facts.current.warnings);
    const wAfter = new Set(facts.target.warnings);
    for (const w of wAfter) if (!wBefore.has(w)) evidence.push(`warning appears under ${facts.target.celery}: ${w}`);
    for (const w of wBefore) if (!wAfter.has(w)) evidence.push(`warning disappears under ${facts.target.celery}: ${w}`);
  }
  for (const [role, o] of Object.entries(sides)) evidence.push(...o.evidence.map((e) => `[${role} ${o.celery}] ${e}`));
  ctx.facts.set('import', facts);
  return { status: failed ? 'fail' : 'pass', ...(failed ? { reason: failed } : {}), evidence, ...sides };
}
