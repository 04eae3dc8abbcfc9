// What each side of a rehearsal runs: the current side is the project's files as they are; the
// target side is a private copy of the project with the upgrade plan's edits applied (Celery pin,
// companion pins such as kombu/redis/django-celery-beat, renamed settings), so verify rehearses the
// plan itself, not just a version number. The copy lives in a temp folder that verify deletes.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProjectModel } from '../model/index.js';
import type { ProjectModel } from '../model/types.js';
import { runAudit } from '../engine/audit.js';
import { loadKnowledge } from '../knowledge/index.js';
import { assembleUpgradePlan, applyPlan, type AppliedEdit } from '../plan/index.js';
import { requirementLines, requirementsOf, type Requirement } from '../deps/index.js';
import type { Side, VerifyContext } from './context.js';
import { ensureVenv } from './cache.js';
import { resolveWithPip } from '../deps/pip.js';
import { checkInstallWithPip } from '../deps/index.js';
import { usesRedisBroker } from '../rules/lib/broker.js';
import { applyCheckedFix, applyPlanPinRows, settleTargetPins, type TargetPinChange } from './settle.js';

export interface SideWorkspace {
  /** project folder for this side (the project itself, or the patched copy) */
  root: string;
  /** folder the app imports from, inside `root` */
  appDir: string;
  model: ProjectModel;
  /** the requirements this side installs, exactly as pip / Poetry / uv would read them (nothing injected) */
  requirements: Requirement[];
  lines: string[];
  /** the plan's edits applied to the copy (target side only) */
  applied: AppliedEdit[];
  /** the plan's edits, one line each, for the evidence */
  planEdits: string[];
  /** target side: pins moved beyond the plan's in-place edits (the plan's hand edits; pins pip says block the target) */
  pinChanges: TargetPinChange[];
}

const SKIP = new Set(['.git', 'node_modules', '.venv', 'venv', 'env', '.tox', '.nox', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', 'dist', 'build', '.cache']);

export async function currentWorkspace(ctx: VerifyContext, side: Side): Promise<SideWorkspace> {
  const requirements = requirementsOf(ctx.model, { celery: side.celery });
  return { root: ctx.root, appDir: ctx.appDir, model: ctx.model, requirements, lines: requirementLines(requirements), applied: [], planEdits: [], pinChanges: [] };
}

/** A copy of the project with the upgrade plan to `side.celery` applied. `dispose()` removes it. */
export async function targetWorkspace(ctx: VerifyContext, side: Side, current: string): Promise<SideWorkspace & { dispose(): void }> {
  const k = loadKnowledge();
  const audit = await runAudit(ctx.root, { model: ctx.model, config: ctx.config, target: side.celery });
  const plan = assembleUpgradePlan(ctx.model, audit, k, { from: current, to: side.celery });
  const base = mkdtempSync(path.join(tmpdir(), 'jobctl-rehearsal-'));
  const root = path.join(base, path.basename(ctx.root));
  cpSync(ctx.root, root, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)), dereference: false });
  const dispose = (): void => rmSync(base, { recursive: true, force: true });
  try {
    const applied = (await applyPlan(plan, root)).results;
    const whole = await buildProjectModel(root, { exclude: ctx.config.exclude ?? [] });
    const model = ctx.scope ? ctx.scope(whole) : whole;
    // the plan pins Celery where it can; a project whose Celery line the plan could not edit still
    // gets the target for the rehearsal
    // the pins the plan asks to change by hand change too; a full freeze's other pins stay as they
    // are unless pip says one blocks the target (then that one moves, and the evidence says so)
    const byPlan = applyPlanPinRows(requirementsOf(model, { celery: side.celery }), plan.dependencies);
    const tool = await ensureVenv({ label: 'pip-resolver', requirements: ['pip>=24.0'], basePython: ctx.basePython }, { signal: ctx.signal, env: ctx.env, log: ctx.log });
    const resolve = (reqs: Requirement[]) => resolveWithPip(requirementLines(reqs), { python: tool.python, signal: ctx.signal, ...(ctx.constraint ? { constraint: ctx.constraint } : {}) });
    const usesRedis = usesRedisBroker(model, k);
    let settled = await settleTargetPins(byPlan.reqs, resolve);
    const moved = [...settled.changes];
    // a set that installs but would not run gets the resolver's checked fix (once), then settles again
    const check = await checkInstallWithPip(settled.reqs, { pythonExe: tool.python, usesRedis, signal: ctx.signal, ...(ctx.constraint ? { constraint: ctx.constraint } : {}) });
    const fixed = check.resolution.ok && check.traps.length > 0 ? applyCheckedFix(settled.reqs, check.fix) : { reqs: settled.reqs, changes: [] };
    if (fixed.changes.length) {
      settled = await settleTargetPins(fixed.reqs, resolve);
      moved.push(...fixed.changes, ...settled.changes);
    }
    const requirements = settled.reqs;
    return {
      root, appDir: path.join(root, path.relative(ctx.root, ctx.appDir)), model, requirements, lines: requirementLines(requirements), applied,
      planEdits: plan.edits.map((e) => `${e.file}: ${e.changes.join('; ')}`), pinChanges: [...byPlan.changes, ...moved], dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** The side's workspace, made once per run (stages share it). */
export function workspaceFor(ctx: VerifyContext, side: Side): Promise<SideWorkspace> {
  let w = ctx.workspaces.get(side.role);
  if (!w) {
    const current = ctx.sides.find((s) => s.role === 'current')!.celery;
    w = side.role === 'target'
      ? targetWorkspace(ctx, side, current).then((ws) => { ctx.disposers.push(ws.dispose); return ws; })
      : currentWorkspace(ctx, side);
    ctx.workspaces.set(side.role, w);
  }
  return w;
}
