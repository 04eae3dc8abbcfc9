import type { Rule } from './types.js';
import type { LoopBoundGlobal } from './lib/asyncio.js';
import { isLoopEntry, loopBoundGlobals, loopBoundUsedBy } from './lib/asyncio.js';
import { describeChain, reachableFromTasks } from './lib/task-code.js';
import { loopUses } from './lib/loops.js';

export const rule: Rule = {
  meta: {
    id: 'JC204',
    name: 'loop-bound-object-reused',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'medium',
    title: 'Task runs asyncio.run() over a module-level async client: the second task in a worker process fails',
    description: `\`asyncio.run()\` once per task is fine under the prefork, threads and solo pools — there is no asyncio loop in a Celery worker to conflict with. What breaks is **reuse**: an async client, engine, connection pool or \`asyncio.Lock/Event/Queue\` created at import time (module level) binds to the first loop that uses it. The next task's \`asyncio.run()\` makes a new loop, and the shared object fails with \`RuntimeError: … attached to a different loop\` / \`… is bound to a different event loop\`, or \`RuntimeError: Event loop is closed\` when it cleans up. Prefork children run many tasks each, so this shows up as "the first task works, then it fails" — often only in production.

Not reported when the task runs its coroutines on a loop that persists — one loop per worker process (made in \`worker_process_init\`, lazily in the child, or guarded by \`os.getpid()\`) or per thread: the shared client then stays on that one loop, which is the fix.`,
    fix: 'Create the async client inside the coroutine (`async with httpx.AsyncClient() as client:`), or keep one event loop per worker process (create it in a `worker_process_init` handler and run every task on it).',
    examples: {
      bad: "client = httpx.AsyncClient()\n\nasync def ask(q):\n    return await client.post('/v1', json=q)\n\n@app.task\ndef answer(q):\n    return asyncio.run(ask(q))",
      good: "async def ask(q):\n    async with httpx.AsyncClient() as client:\n        return await client.post('/v1', json=q)\n\n@app.task\ndef answer(q):\n    return asyncio.run(ask(q))",
    },
    sources: [
      { title: 'A module-level asyncio.Lock used by two asyncio.run() calls: "is bound to a different event loop" (executed, CPython 3.10–3.13)', ref: 'docs/evidence/asyncio-in-celery-tasks.txt' },
      { title: 'Report: global pooled asyncpg engine across per-task asyncio.run()', ref: 'mishrasanjeev/agentic-org PR #993' },
      { title: 'Report: "Event loop is closed" in Celery (multiprocessing)', ref: 'VirusTotal/vt-py#46' },
    ],
  },
  check(ctx) {
    const bound = loopBoundGlobals(ctx.model);
    if (bound.size === 0) return;
    // run_until_complete on a loop that persists (per process, per thread, the thread's current loop) reuses ONE
    // loop: loop-bound objects stay on it — that is the fix, not the bug. Only entries that make a new loop per
    // call (asyncio.run, async_to_sync, anyio.run, a fresh new_event_loop()) rebind.
    const origins = new Map(loopUses(ctx.model).map((u) => [`${u.call.loc.file}:${u.call.loc.line}:${u.call.loc.column}`, u.origin]));
    const freshPerCall = (call: import('../model/types.js').CallSite): boolean => {
      if (!call.callee.endsWith('.run_until_complete')) return true;
      return origins.get(`${call.loc.file}:${call.loc.line}:${call.loc.column}`) === 'fresh';
    };
    const reach = reachableFromTasks(ctx.model);
    // for every task: does it enter a loop, and does code it reaches use a loop-bound global?
    const byId = new Map(ctx.model.functions.map((f) => [f.id, f]));
    for (const task of ctx.model.tasks) {
      const fnIds = collect(task.functionId, byId);
      const used: LoopBoundGlobal[] = [];
      for (const id of fnIds) used.push(...loopBoundUsedBy(byId.get(id)!, bound));
      if (used.length === 0) continue;
      const g = used[0]!;
      for (const id of fnIds) {
        const fn = byId.get(id)!;
        for (const call of fn.calls) {
          if (!isLoopEntry(call) || call.inAsyncContext || call.resolved === 'asyncio.new_event_loop' || !freshPerCall(call)) continue;
          const r = reach.get(id);
          ctx.report({
            loc: call.loc,
            key: `${g.module}:${g.name}`,
            message: `\`${call.callee}(…)\` in ${r ? describeChain(r) : `task \`${task.name}\``} runs coroutines that use \`${g.name}\` (${g.callee}(), created at import in ${g.loc.file}:${g.loc.line}): it binds to the first event loop, so the next task in the same worker process fails ("attached to a different loop" / "Event loop is closed")`,
            hint: `create \`${g.name}\` inside the coroutine (async with …), or run one loop per worker process`,
          });
        }
      }
    }
  },
};

/**
 * Functions a task reaches: its call graph, plus coroutine functions handed to a loop entry by reference
 * (`async_to_sync(fetch)()`, `loop.run_until_complete(main())` is already a call).
 */
function collect(start: string, byId: Map<string, import('../model/types.js').FunctionDef>): string[] {
  const byName = new Map<string, import('../model/types.js').FunctionDef[]>();
  for (const f of byId.values()) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    const fn = byId.get(id);
    if (seen.has(id) || !fn) continue;
    seen.add(id);
    stack.push(...fn.callees);
    for (const call of fn.calls) {
      if (!isLoopEntry(call)) continue;
      const ref = /^\s*([A-Za-z_][\w.]*)\s*(,|$)/.exec(call.argsText)?.[1];
      if (!ref) continue;
      const name = ref.split('.').pop()!;
      const candidates = byName.get(name) ?? [];
      // prefer the same module; otherwise any project function of that name (imported by name)
      const same = candidates.filter((c) => c.module === fn.module);
      stack.push(...(same.length ? same : candidates).map((c) => c.id));
    }
  }
  return [...seen];
}
