import type { Rule } from './types.js';
import { calleeIs, describeChain, taskCalls, workerPools } from './lib/task-code.js';
import { asyncioRunAdvisable, loopUses } from './lib/loops.js';
import { fileLines } from './lib/source.js';
import type { CallSite, FunctionDef, ProjectModel } from '../model/types.js';
import { highestPython, compareVersions } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC202',
    name: 'get-event-loop-in-task',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'high',
    title: '`asyncio.get_event_loop()` in task code: raises after any `asyncio.run()` in the worker process, and always on Python 3.14',
    description: `Inside a task there is no running asyncio loop (Celery's worker loop is kombu's own hub, not asyncio, and it runs in the parent process). \`asyncio.get_event_loop()\` then falls back to the policy's loop for the thread:
- after any \`asyncio.run()\` in the same thread — e.g. an earlier task in the same prefork child — it raises \`RuntimeError: There is no current event loop\` on every Python version, because \`asyncio.run()\` ends with \`set_event_loop(None)\`;
- on Python 3.12–3.13 it emits a \`DeprecationWarning\` when it has to create a loop;
- on Python 3.14 it always raises when there is no current loop;
- in the threads pool's worker threads it raises on every version unless a loop was set in that thread.

Not reported: \`get_event_loop()\` inside \`async def\` code (a loop is running there), or inside a \`try\` whose \`except RuntimeError\` makes a loop (the raise is handled); where its loop feeds \`run_until_complete\` in the same function, JC206 reports the task once instead.

"Use \`get_event_loop()\` + \`run_until_complete()\` instead of \`asyncio.run()\`" is a common but wrong fix for Celery tasks.`,
    fix: 'Use `asyncio.run(coro())` in the task; inside `async def` code use `asyncio.get_running_loop()`.',
    examples: { bad: 'loop = asyncio.get_event_loop()\nanswer = loop.run_until_complete(ask(q))', good: 'answer = asyncio.run(ask(q))' },
    sources: [
      { title: 'asyncio.run() calls set_event_loop(None) on exit', ref: 'cpython@3.13:Lib/asyncio/runners.py' },
      { title: 'get_event_loop(): deprecated implicit loop creation (3.12), raises (3.14)', ref: 'cpython@3.14:Doc/library/asyncio-eventloop.rst (versionchanged 3.14)' },
      { title: 'Executed inside Celery 5.6.3 and 5.7.0 tasks (prefork and threads pools)', ref: 'docs/evidence/asyncio-in-celery-tasks.txt' },
    ],
  },
  check(ctx) {
    const py = highestPython(ctx.model.pythonVersions);
    const raisesAlways = py !== null && compareVersions(py.minor, '3.14') >= 0;
    // where the loop feeds run_until_complete in the same function, JC206 reports the task once (with this case)
    const drivenHere = new Set(loopUses(ctx.model).filter((u) => u.origin === 'thread-default').map((u) => u.fn.id));
    const pools = workerPools(ctx.model, ctx.knowledge);
    const threadsPool = pools.find((p) => p.pool === 'threads');
    for (const { call, reached } of taskCalls(ctx.model, (c) => calleeIs(c, 'asyncio.get_event_loop') && !c.inAsyncContext)) {
      if (drivenHere.has(reached.fn.id) || guardedByRuntimeError(ctx.model, reached.fn, call)) continue;
      ctx.report({
        loc: call.loc,
        key: reached.task.name,
        severity: raisesAlways || threadsPool ? 'error' : 'warning',
        message: `\`asyncio.get_event_loop()\` in ${describeChain(reached)}: raises "There is no current event loop" ${threadsPool ? `on every Python version in the threads pool's worker threads, where no loop is set (${threadsPool.where})` : 'once any asyncio.run() has run in this worker process'}${raisesAlways ? `, and always on Python ${py!.minor} (${py!.fact.file})` : ', and always on Python 3.14'}`,
        hint: asyncioRunAdvisable(pools) ? 'run the coroutine with `asyncio.run(...)` instead of get_event_loop()/run_until_complete(), or use an explicit loop per worker process' : 'move this task to a prefork/threads worker queue (asyncio under gevent/eventlet shares one thread)',
      });
    }
  },
};

/** `try: loop = asyncio.get_event_loop()` with an `except RuntimeError` (or bare except) that makes a loop: handled. */
function guardedByRuntimeError(model: ProjectModel, fn: FunctionDef, call: CallSite): boolean {
  const lines = fileLines(model, fn.file);
  const at = call.loc.line - 1;
  const indent = (l: string): number => l.length - l.trimStart().length;
  const callIndent = indent(lines[at] ?? '');
  for (let i = at - 1; i >= fn.loc.line - 1; i--) {
    const l = lines[i] ?? '';
    if (!l.trim()) continue;
    if (indent(l) < callIndent && /^\s*try\s*:/.test(l)) {
      const tryIndent = indent(l);
      for (let j = at + 1; j < Math.min(lines.length, at + 40); j++) {
        const m = lines[j] ?? '';
        if (m.trim() && indent(m) < tryIndent) break;
        if (indent(m) === tryIndent && /^\s*except\s*(\(?[^:]*\bRuntimeError\b[^:]*\)?|Exception\b[^:]*)?\s*(as\s+\w+\s*)?:/.test(m)) return true;
      }
      return false;
    }
    if (indent(l) < callIndent) return false;
  }
  return false;
}
