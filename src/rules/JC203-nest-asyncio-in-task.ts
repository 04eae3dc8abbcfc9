import type { Rule } from './types.js';
import { calleeIs, describeChain, taskCalls } from './lib/task-code.js';
import { getModuleLevelCalls } from '../model/python/index.js';

export const rule: Rule = {
  meta: {
    id: 'JC203',
    name: 'nest-asyncio-in-task',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'high',
    title: '`nest_asyncio.apply()` in worker code: patches asyncio process-wide to hide a design problem',
    description: `\`nest_asyncio.apply()\` monkey-patches asyncio's event loop so that \`run_until_complete()\` can be re-entered. In a Celery worker there is no outer asyncio loop to nest into (the worker's loop is kombu's hub, not asyncio), so it fixes nothing there; it changes asyncio's behaviour for every library in the process and is no longer maintained (its repository is archived). It is usually added on the false belief that \`asyncio.run()\` conflicts with "Celery's event loop".`,
    fix: 'Remove nest_asyncio; call `asyncio.run(coro())` once per task (prefork/threads/solo), and create async clients inside the coroutine.',
    sources: [
      { title: 'No asyncio loop in Celery worker processes (kombu hub is not asyncio)', ref: 'kombu@v5.6.2:kombu/asynchronous/hub.py; docs/evidence/asyncio-in-celery-tasks.txt' },
      { title: 'nest_asyncio project (archived)', ref: 'https://github.com/erdewit/nest_asyncio' },
    ],
  },
  check(ctx) {
    for (const { call, reached } of taskCalls(ctx.model, (c) => calleeIs(c, 'nest_asyncio.apply'))) {
      ctx.report({ loc: call.loc, key: reached.task.name, message: `\`nest_asyncio.apply()\` in ${describeChain(reached)}: patches asyncio for the whole worker process and is not needed for asyncio.run() in tasks`, hint: 'remove it and use asyncio.run(coro()) in the task' });
    }
    const taskModules = new Set(ctx.model.tasks.map((t) => t.module));
    for (const [module, calls] of getModuleLevelCalls(ctx.model)) {
      if (!taskModules.has(module)) continue;
      for (const call of calls) {
        if (!calleeIs(call, 'nest_asyncio.apply')) continue;
        ctx.report({ loc: call.loc, key: module, message: `\`nest_asyncio.apply()\` at import time of task module \`${module}\`: patches asyncio for the whole worker process`, hint: 'remove it and use asyncio.run(coro()) in the task' });
      }
    }
  },
};
