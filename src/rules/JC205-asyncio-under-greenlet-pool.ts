import type { Rule } from './types.js';
import { describeChain, taskCalls, workerPools } from './lib/task-code.js';
import { isLoopEntry } from './lib/asyncio.js';

export const rule: Rule = {
  meta: {
    id: 'JC205',
    name: 'asyncio-under-greenlet-pool',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'medium',
    title: 'asyncio in tasks run by a gevent/eventlet pool: greenlets share one thread and its event loop',
    description: `The gevent and eventlet pools run every task as a greenlet in the same OS thread, after monkey-patching threading. An asyncio loop that one task starts or leaves set is visible to the others in that thread, so concurrent tasks collide: "This event loop is already running", "Cannot run the event loop while another loop is running", and asgiref's "You cannot use AsyncToSync in the same thread as an async event loop" (celery/celery#7465, django/asgiref#443). Celery's docs give no guidance for asyncio under these pools. Under prefork, threads and solo, \`asyncio.run()\` per task works.`,
    fix: 'Run asyncio tasks on a prefork (or threads) worker with its own queue, and keep gevent/eventlet for blocking I/O code.',
    sources: [
      { title: 'gevent pool + AsyncToSync error', ref: 'celery/celery#7465' },
      { title: 'Root-cause analysis (greenlets share the thread\'s loop)', ref: 'django/asgiref#443' },
      { title: 'gevent pool: task_join_will_block False and greenlets in one thread', ref: 'celery@v5.6.3:celery/concurrency/gevent.py' },
    ],
  },
  check(ctx) {
    const greenlet = workerPools(ctx.model, ctx.knowledge).filter((p) => p.pool === 'gevent' || p.pool === 'eventlet');
    if (greenlet.length === 0) return;
    const pool = greenlet[0]!;
    for (const { call, reached } of taskCalls(ctx.model, (c) => isLoopEntry(c) && !c.inAsyncContext)) {
      ctx.report({ loc: call.loc, key: call.callee, message: `\`${call.callee}(…)\` in ${describeChain(reached)} runs under the ${pool.pool} pool (${pool.where}): greenlets share one thread and its event loop, so concurrent tasks collide`, hint: 'route this task to a prefork/threads worker queue' });
    }
  },
};
