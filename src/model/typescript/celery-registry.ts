// The Python side as a Node producer sees it: which task names are registered, which queues workers
// consume. Used by the cross-language rules (JC410–JC412).
import { closest, distance } from 'fastest-levenshtein';
import type { ProjectModel, PyValue, TaskDef } from '../types.js';

export function tasksNamed(model: ProjectModel, name: string): TaskDef[] {
  return model.tasks.filter((t) => t.name === name);
}

/** The registered name most like `name`, when it is plausibly the one meant. */
export function closestTaskName(model: ProjectModel, name: string): string | null {
  const names = [...new Set(model.tasks.map((t) => t.name))];
  if (names.length === 0) return null;
  // same function name under another module path: the usual result of a move/rename of the module
  const last = name.split('.').pop()!;
  const sameFn = names.filter((n) => n.split('.').pop() === last);
  if (sameFn.length === 1) return sameFn[0]!;
  // a suffix added or dropped in a rename: 'media.resize' -> 'media.resize_image'
  const extended = names.filter((n) => n.startsWith(name) || name.startsWith(n));
  if (extended.length === 1) return extended[0]!;
  const best = closest(name, names);
  return distance(name, best) <= Math.max(3, Math.floor(name.length / 3)) ? best : null;
}

/** Queue names Celery workers of this project consume, or null when no worker command was found. */
export function consumedQueues(model: ProjectModel): Set<string> | null {
  const workers = model.workerCommands.filter((w) => w.subcommand === 'worker');
  if (workers.length === 0) return null;
  // `-Q "$QUEUES"` set at deploy time: which queues are consumed is unknown
  if (workers.some((w) => w.options?.queues?.state === 'unknown')) return null;
  const out = new Set<string>();
  const defaultQueue = taskDefaultQueue(model);
  for (const w of workers) {
    if (w.queues.length === 0) out.add(defaultQueue);
    for (const q of w.queues) out.add(q);
  }
  return out;
}

/** task_default_queue in any naming (Celery's default is 'celery'). */
export function taskDefaultQueue(model: ProjectModel): string {
  for (const src of model.configSources) {
    for (const s of src.settings) {
      const key = s.name.replace(/^CELERY_/, '').toLowerCase();
      if ((key === 'task_default_queue' || key === 'default_queue' || s.name === 'CELERY_DEFAULT_QUEUE') && s.value.kind === 'str') return s.value.value;
    }
  }
  return 'celery';
}

/** Queue a Python task is routed to by task_routes / @task(queue=...), when a literal says so. */
export function routedQueue(model: ProjectModel, taskName: string): string | null {
  for (const t of tasksNamed(model, taskName)) {
    const q = t.options.queue;
    if (q?.kind === 'str') return q.value;
  }
  for (const src of model.configSources) {
    for (const s of src.settings) {
      const key = s.name.replace(/^CELERY_/, '').toLowerCase();
      if (key !== 'task_routes' && key !== 'routes') continue;
      const q = routeFor(s.value, taskName);
      if (q) return q;
    }
  }
  return null;
}

function routeFor(v: PyValue, taskName: string): string | null {
  if (v.kind !== 'dict') return null;
  for (const { key, value } of v.entries) {
    if (key.kind !== 'str') continue;
    const pattern = new RegExp(`^${key.value.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    if (!pattern.test(taskName)) continue;
    if (value.kind === 'str') return value.value;
    if (value.kind === 'dict') {
      const q = value.entries.find((e) => e.key.kind === 'str' && e.key.value === 'queue');
      if (q && q.value.kind === 'str') return q.value.value;
    }
  }
  return null;
}
