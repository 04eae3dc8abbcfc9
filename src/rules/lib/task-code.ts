// "Task code" = a task's function and every project function it reaches through calls.
import type { CallSite, FunctionDef, ProjectModel, TaskDef } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { effectiveSettings } from './settings.js';
import { asString } from './values.js';

export interface Reached {
  fn: FunctionDef;
  /** the first task (by file/line order) that reaches this function */
  task: TaskDef;
  /** call chain from the task function to here (function names) */
  chain: string[];
}

const cache = new WeakMap<ProjectModel, Map<string, Reached>>();

export function reachableFromTasks(model: ProjectModel): Map<string, Reached> {
  const hit = cache.get(model);
  if (hit) return hit;
  const byId = new Map(model.functions.map((f) => [f.id, f]));
  const out = new Map<string, Reached>();
  for (const task of model.tasks) {
    const start = byId.get(task.functionId);
    if (!start) continue;
    const queue: Reached[] = [{ fn: start, task, chain: [start.name] }];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const cur = queue.shift()!;
      if (seen.has(cur.fn.id)) continue;
      seen.add(cur.fn.id);
      if (!out.has(cur.fn.id)) out.set(cur.fn.id, cur);
      for (const id of cur.fn.callees) {
        const next = byId.get(id);
        if (next && !seen.has(id)) queue.push({ fn: next, task, chain: [...cur.chain, next.name] });
      }
    }
  }
  cache.set(model, out);
  return out;
}

export function describeChain(r: Reached): string {
  return r.chain.length > 1 ? `task \`${r.task.name}\` (via ${r.chain.join(' → ')})` : `task \`${r.task.name}\``;
}

/** Call sites in task code whose resolved callee matches. */
export function taskCalls(model: ProjectModel, match: (c: CallSite) => boolean): { call: CallSite; reached: Reached }[] {
  const out: { call: CallSite; reached: Reached }[] = [];
  for (const reached of reachableFromTasks(model).values()) {
    for (const call of reached.fn.calls) if (match(call)) out.push({ call, reached });
  }
  return out.sort((a, b) => a.call.loc.file.localeCompare(b.call.loc.file) || a.call.loc.line - b.call.loc.line);
}

export function calleeIs(c: CallSite, ...names: string[]): boolean {
  return names.some((n) => c.resolved === n || c.callee === n);
}
export function calleeEndsWith(c: CallSite, ...suffixes: string[]): boolean {
  return suffixes.some((s) => c.resolved.endsWith(s) || c.callee.endsWith(s));
}

/** Pools the project's workers run with: from worker commands and worker_pool; prefork when unset. */
export function workerPools(model: ProjectModel, k: Knowledge): { pool: string; where: string }[] {
  const out: { pool: string; where: string }[] = [];
  for (const w of model.workerCommands) {
    if (w.subcommand !== 'worker') continue;
    out.push({ pool: normalizePool(w.pool ?? 'prefork'), where: `${w.file}:${w.loc.line}` });
  }
  for (const s of effectiveSettings(model, k)) {
    if (s.newName === 'worker_pool') {
      const v = asString(s.assignment.value);
      if (v) out.push({ pool: normalizePool(v), where: `${s.assignment.loc.file}:${s.assignment.loc.line}` });
    }
  }
  return out;
}

function normalizePool(p: string): string {
  const s = p.toLowerCase();
  if (s.includes('gevent')) return 'gevent';
  if (s.includes('eventlet')) return 'eventlet';
  if (s === 'processes') return 'prefork';
  return s;
}
