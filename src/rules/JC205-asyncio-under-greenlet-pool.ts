import type { Rule } from './types.js';
import { describeChain, taskCalls, workerPools } from './lib/task-code.js';
import { isLoopEntry } from './lib/asyncio.js';
import type { CallSite } from '../model/types.js';

const isNewLoop = (c: CallSite): boolean => c.resolved === 'asyncio.new_event_loop' || c.callee === 'asyncio.new_event_loop';

export const rule: Rule = {
  meta: {
    id: 'JC205',
    name: 'asyncio-under-greenlet-pool',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'medium',
    title: 'asyncio in tasks run by a gevent/eventlet pool: greenlets share one thread and its event loop',
    description: `The gevent and eventlet pools run every task as a greenlet in the same OS thread, after monkey-patching threading. Python keeps the running asyncio loop per OS thread, not per greenlet, so while one task awaits inside its loop the others see it running and fail: \`asyncio.run()\` raises "asyncio.run() cannot be called from a running event loop", a fresh loop's \`run_until_complete\` "Cannot run the event loop while another loop is running", and asgiref's \`async_to_sync\` "You cannot use AsyncToSync in the same thread as an async event loop" (celery/celery#7465, django/asgiref#443). Measured on Celery 5.7.0 with gevent 26.9.0 (\`-P gevent -c 4\`, four concurrent calls): one call succeeds, three fail, for each of the three; the same tasks under \`-P threads -c 4\` all succeed. Celery's docs give no guidance for asyncio under these pools. Under prefork, threads and solo, \`asyncio.run()\` per task works.`,
    fix: 'Run asyncio tasks on a prefork (or threads) worker with its own queue, and keep gevent/eventlet for blocking I/O code.',
    sources: [
      { title: 'gevent pool + AsyncToSync error', ref: 'celery/celery#7465' },
      { title: 'Root-cause analysis (greenlets share the thread\'s loop)', ref: 'django/asgiref#443' },
      { title: 'gevent pool: task_join_will_block False and greenlets in one thread', ref: 'celery@v5.6.3:celery/concurrency/gevent.py' },
      { title: 'Executed: asyncio.run / new loop / async_to_sync under -P gevent and -P threads (Celery 5.7.0, gevent 26.9.0)', ref: 'docs/evidence/asyncio-gevent-pool.celery-5.7.0.txt' },
    ],
  },
  check(ctx) {
    const greenlet = workerPools(ctx.model, ctx.knowledge).filter((p) => p.pool === 'gevent' || p.pool === 'eventlet');
    if (greenlet.length === 0) return;
    const pool = greenlet[0]!;
    const entries = taskCalls(ctx.model, (c) => isLoopEntry(c) && !c.inAsyncContext);
    // new_event_loop() + run_until_complete() in one function is one collision, raised by run_until_complete: report that
    const drives = new Set(entries.filter(({ call }) => !isNewLoop(call)).map(({ reached }) => reached.fn));
    for (const { call, reached } of entries) {
      if (isNewLoop(call) && drives.has(reached.fn)) continue;
      ctx.report({ loc: call.loc, key: call.callee, message: `\`${call.callee}(…)\` in ${describeChain(reached)} runs under the ${pool.pool} pool (${pool.where}): greenlets share one thread and its event loop, so concurrent tasks collide`, hint: 'route this task to a prefork/threads worker queue' });
    }
  },
};
