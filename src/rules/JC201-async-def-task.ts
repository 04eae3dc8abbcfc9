import type { Rule } from './types.js';
import type { WorkerCommand } from '../model/types.js';
import { workerPools } from './lib/task-code.js';
import { aioSetup } from './lib/aio-pool.js';
import { asyncioRunAdvisable } from './lib/loops.js';

export const rule: Rule = {
  meta: {
    id: 'JC201',
    name: 'async-def-task',
    band: 'event-loop',
    severity: 'error',
    confidence: 'high',
    title: '`async def` task: no released Celery runs coroutine tasks',
    description: `No Celery 5.x release awaits a coroutine task: neither \`celery\` nor \`kombu\` imports \`asyncio\`, and the task tracer has no coroutine detection. Calling an \`async def\` task returns a coroutine object, which is never run and cannot be serialized as the result: the task fails with \`kombu.exceptions.EncodeError: Object of type coroutine is not JSON serializable\` (executed on 5.6.3 and 5.7.0, prefork and threads pools). Support is an open feature request (#6552) and an unmerged PR (#10634). A project that runs coroutine tasks through \`celery-aio-pool\` / \`celery-pool-asyncio\` is not told it fails when every worker awaits them: the app module replaces \`celery.app.trace.build_tracer\` (then every worker that loads the app does, whatever its pool), or every worker command jobctl found runs that pool (\`-P custom\` with \`CELERY_CUSTOM_WORKER_POOL\` in the deploy environment — set from Python code it comes too late, \`celery.concurrency\` reads it when the command starts). A worker command without it is named (it fails with EncodeError on the task); with no worker command found the task is an info finding. Under gevent/eventlet jobctl never suggests \`asyncio.run()\`.`,
    fix: 'Make the task a plain `def` and run the coroutine inside it with `asyncio.run(...)` (prefork/threads/solo pools).',
    examples: { bad: '@app.task\nasync def fetch(url):\n    return await client.get(url)', good: '@app.task\ndef fetch(url):\n    return asyncio.run(_fetch(url))' },
    sources: [
      { title: 'No asyncio import in celery; coroutine task fails with EncodeError (executed on 5.6.3 and 5.7.0, prefork and threads)', ref: 'docs/evidence/asyncio-in-celery-tasks.txt' },
      { title: 'Feature request: asyncio task support', ref: 'celery/celery#6552' },
      { title: 'CELERY_CUSTOM_WORKER_POOL is read when the celery command starts: set from the app module, `-P custom` fails with "No module named \'custom\'" (run on 5.6.3)', ref: 'docs/evidence/custom-worker-pool-env.celery-5.6.3.txt' },
      { title: 'celery-aio-pool: build_async_tracer runs every task through AsyncIOPool.run_in_pool (its own event loop thread)', ref: 'https://github.com/the-wondersmith/celery-aio-pool/blob/main/celery_aio_pool/tracer.py' },
    ],
  },
  check(ctx) {
    const pools = workerPools(ctx.model, ctx.knowledge);
    const aio = aioSetup(ctx.model, ctx.knowledge);
    const place = (w: WorkerCommand): string => `${w.file}:${w.loc.line}${w.pool ? ` (\`-P ${w.pool}\`)` : ''}`;
    const late = aio.lateEnv ? `; CELERY_CUSTOM_WORKER_POOL set in ${aio.lateEnv} comes too late: \`celery.concurrency\` reads it when the celery command starts, before the app is imported` : '';
    for (const t of ctx.model.tasks) {
      if (!t.isAsync) continue;
      if (aio.uses) {
        // every worker that loads the app awaits coroutine tasks: the tracer is replaced where the app is defined
        if (aio.patchedAtImport) continue;
        const known = aio.aioWorkers.length + aio.plainWorkers.length > 0;
        // every worker command jobctl found runs the asyncio pool: nothing to say
        if (known && aio.plainWorkers.length === 0) continue;
        if (!known) {
          ctx.report({ loc: t.loc, key: t.name, severity: 'info', message: `task \`${t.name}\` is an \`async def\`: this project runs coroutine tasks through ${aio.uses.what} (${aio.uses.where}); jobctl found no worker command to check that every worker consuming it runs that pool (any other worker fails with EncodeError)`, hint: 'start the workers that consume it with `-P custom` and CELERY_CUSTOM_WORKER_POOL=celery_aio_pool.pool:AsyncIOPool in their environment' });
          continue;
        }
        // `-P custom` without the variable in the worker's environment: Celery imports a module named 'custom' and the worker does not start
        const plain = aio.plainWorkers.map((w) => (w.pool === 'custom'
          ? `${place(w)} has no CELERY_CUSTOM_WORKER_POOL in its environment: that worker does not start (ModuleNotFoundError: No module named 'custom')`
          : `${place(w)} runs Celery's own tracer, which never awaits it: the task fails there with EncodeError`));
        const runs = aio.aioWorkers.length ? `workers started with ${aio.uses.what} (${aio.aioWorkers.map((w) => `${w.file}:${w.loc.line}`).join(', ')}) await it, but` : `${aio.uses.what} is in the project (${aio.uses.where}), but no worker command runs it:`;
        ctx.report({ loc: t.loc, key: t.name, severity: aio.aioWorkers.length ? 'warning' : 'error', message: `task \`${t.name}\` is an \`async def\`: ${runs} ${plain.join('; ')}${late}`, hint: 'set CELERY_CUSTOM_WORKER_POOL where the worker is started (compose environment, systemd Environment=) and route async tasks to a queue only those workers consume' });
        continue;
      }
      const hint = asyncioRunAdvisable(pools) ? 'make it a plain `def` and call `asyncio.run(coro())` inside' : `make it a plain \`def\` and run it on a prefork/threads worker queue (asyncio.run() under the ${pools.find((p) => p.pool === 'gevent' || p.pool === 'eventlet')!.pool} pool shares one thread between greenlets)`;
      ctx.report({ loc: t.loc, key: t.name, message: `task \`${t.name}\` is an \`async def\`: Celery calls it, gets a coroutine back and fails with EncodeError — the body never runs`, hint });
    }
  },
};
