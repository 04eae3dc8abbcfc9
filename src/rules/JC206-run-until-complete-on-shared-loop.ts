import type { Rule } from './types.js';
import { calleeIs, taskCalls, workerPools } from './lib/task-code.js';
import { RECREATED, asyncioRunAdvisable, loopUses, loopUsesByTask } from './lib/loops.js';
import { loopBoundGlobals, loopBoundUsedBy } from './lib/asyncio.js';

export const rule: Rule = {
  meta: {
    id: 'JC206',
    name: 'run-until-complete-on-shared-loop',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'medium',
    title: '`loop.run_until_complete()` in task code on the thread\'s implicit loop, or a loop made at import',
    description: `jobctl follows where the loop comes from — \`asyncio.get_event_loop()\`, a helper that returns it, a loop cached per thread (\`threading.local\`, \`set_event_loop\`), a module-level loop — and reports \`run_until_complete\` on it once per task, at the task's call site, with the call chain.

- **The thread's implicit loop** (\`get_event_loop()\`, also behind a helper or a \`try/except RuntimeError\` that sets a new one): it fails as soon as anything in the same worker thread runs \`asyncio.run()\`, which ends with \`set_event_loop(None)\` ("There is no current event loop"), and \`get_event_loop()\` raises on Python 3.14 when no loop is set. Mixing both styles on the same threads (one task keeps a per-thread loop, another calls \`asyncio.run()\`) breaks the first after the second has run.
- **A loop made at import** (\`loop = asyncio.new_event_loop()\` at module level): under prefork the module is imported by the parent, so every child inherits the same loop and its selector.
- **A process-wide loop under the threads pool**: two tasks that run it at once fail with "This event loop is already running".

Not reported: one loop per worker process made in a \`worker_process_init\` handler, lazily in the child or guarded by \`os.getpid()\`, or one loop per thread in \`threading.local\` (the fix for loop-bound clients, JC204), and a fresh \`new_event_loop()\` closed after use.`,
    fix: 'Run each task\'s coroutine with `asyncio.run(coro())` (prefork/threads/solo), or keep one explicit loop per worker process created in `worker_process_init` (per thread under the threads pool). Under gevent/eventlet, move the task to a prefork/threads worker instead.',
    sources: [
      { title: 'asyncio.run() creates a loop and ends with set_event_loop(None)', ref: 'cpython@3.13:Lib/asyncio/runners.py' },
      { title: 'get_event_loop(): raises without a current loop from 3.14', ref: 'cpython@3.14:Doc/library/asyncio-eventloop.rst' },
      { title: 'Executed: get_event_loop() after asyncio.run() in a Celery task (prefork, threads)', ref: 'docs/evidence/asyncio-in-celery-tasks.txt' },
      { title: 'worker_process_init signal (runs in each pool child)', ref: 'celery@v5.6.3:docs/userguide/signals.rst' },
      { title: 'Event loop is closed in Celery workers', ref: 'VirusTotal/vt-py#46' },
    ],
  },
  check(ctx) {
    const pools = workerPools(ctx.model, ctx.knowledge);
    const threads = pools.find((p) => p.pool === 'threads');
    const uses = loopUses(ctx.model);
    const runCalls = taskCalls(ctx.model, (c) => calleeIs(c, 'asyncio.run') && !c.inAsyncContext);
    const advice = asyncioRunAdvisable(pools) ? 'use asyncio.run(coro()) per task, or one explicit loop per worker process made in worker_process_init' : 'move this task to a prefork/threads worker queue (asyncio under gevent/eventlet shares one thread)';
    const flagged = loopUsesByTask(ctx.model, uses, (u) => u.origin === 'thread-default' || u.origin === 'import-time' || (!!threads && u.origin === 'per-process'));
    const bound = loopBoundGlobals(ctx.model);
    const byId = new Map(ctx.model.functions.map((f) => [f.id, f]));
    for (const { task, use, site, chain } of flagged) {
      // coroutines that use a module-level async client need ONE loop per process, not asyncio.run() per task (JC204)
      const client = bound.size ? reachableIds(task.functionId, byId).flatMap((id) => loopBoundUsedBy(byId.get(id)!, bound))[0] : undefined;
      const hint = client && asyncioRunAdvisable(pools)
        ? `keep one explicit loop per worker process, made in a worker_process_init handler — not asyncio.run() per task: \`${client.name}\` (${client.callee}(), ${client.loc.file}:${client.loc.line}) is bound to the loop it first runs on`
        : advice;
      const path = chain.length > 1 ? ` (via ${[...chain, 'run_until_complete'].join(' → ')})` : '';
      let why: string;
      if (use.origin === 'import-time' && threads) {
        why = `the loop is ${use.via}, one for the whole process, and the threads pool (${threads.where}) runs tasks on several threads at once: the second fails with "This event loop is already running"`;
      } else if (use.origin === 'import-time') {
        why = `the loop is ${use.via}: under prefork it is made in the parent before the pool forks, so every child shares it and its selector`;
      } else if (use.origin === 'per-process') {
        why = `the loop (${use.via}) is one per process, but the threads pool (${threads!.where}) runs tasks on several threads at once: the second fails with "This event loop is already running"`;
      } else {
        const mixer = runCalls.find((r) => r.reached.task.name !== task.name) ?? runCalls[0];
        const mixing = mixer ? `; \`asyncio.run()\` in task \`${mixer.reached.task.name}\` (${mixer.call.loc.file}:${mixer.call.loc.line}) runs ${threads ? `on the same threads (${threads.pool} pool)` : 'in the same worker process'} and leaves the thread without a current loop` : '';
        why = use.via.includes(RECREATED)
          ? `the loop is the thread's current loop from ${use.via.replace(RECREATED, '')}, kept across tasks until something in the thread runs asyncio.run() or closes it; then a new one is made, any client, pool or lock bound to the old loop fails ("attached to a different loop"), and the old loop is never closed${mixing}`
          : `the loop is the thread's current loop from ${use.via}: it fails with "There is no current event loop" once anything in this worker thread runs asyncio.run(), and get_event_loop() raises on Python 3.14${mixing}`;
      }
      ctx.report({ loc: site.loc, key: task.name, message: `task \`${task.name}\` drives coroutines with \`run_until_complete\`${path} — ${why}`, hint });
    }
  },
};

function reachableIds(start: string, byId: Map<string, import('../model/types.js').FunctionDef>): string[] {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || !byId.has(id)) continue;
    seen.add(id);
    stack.push(...byId.get(id)!.callees);
  }
  return [...seen];
}
