import type { Rule } from './types.js';
import { describeChain, reachableFromTasks } from './lib/task-code.js';
import { getModuleGlobals } from '../model/python/index.js';

export const rule: Rule = {
  meta: {
    id: 'JC206',
    name: 'run-until-complete-on-shared-loop',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'medium',
    title: '`loop.run_until_complete()` on the thread\'s shared loop in task code',
    description: `Driving coroutines with \`asyncio.get_event_loop().run_until_complete(…)\` (or a loop kept at module level) in a task shares one loop between every task a worker process runs. It fails as soon as anything closes that loop or runs \`asyncio.run()\` in the same thread ("Event loop is closed", "There is no current event loop"), and leaks the loop's resources otherwise. This is the replacement for \`asyncio.run()\` that upgrade write-ups often recommend for Celery — it is the less safe of the two.`,
    fix: 'Use `asyncio.run(coro())` per task.',
    sources: [
      { title: 'asyncio.run() creates and closes a fresh loop', ref: 'cpython@3.13:Lib/asyncio/runners.py' },
      { title: 'Event loop is closed in Celery workers', ref: 'VirusTotal/vt-py#46' },
    ],
  },
  check(ctx) {
    const globals = getModuleGlobals(ctx.model);
    for (const r of reachableFromTasks(ctx.model).values()) {
      const fn = r.fn;
      const usesGetLoop = fn.calls.some((c) => (c.resolved === 'asyncio.get_event_loop') && !c.inAsyncContext);
      for (const call of fn.calls) {
        if (!call.callee.endsWith('.run_until_complete') || call.inAsyncContext) continue;
        const receiver = call.callee.slice(0, -'.run_until_complete'.length);
        const moduleLoop = globals.get(fn.module)?.get(receiver.split('.')[0]!);
        const fromModule = moduleLoop?.callee === 'asyncio.get_event_loop' || moduleLoop?.callee === 'asyncio.new_event_loop';
        const inline = receiver.endsWith('get_event_loop()');
        if (!(usesGetLoop || fromModule || inline)) continue;
        ctx.report({ loc: call.loc, key: fn.id, message: `\`${call.callee}(…)\` in ${describeChain(r)} drives coroutines on a loop shared by every task of this worker process`, hint: 'use asyncio.run(coro()) instead' });
      }
    }
  },
};
