import type { Rule } from './types.js';
import type { ProjectModel } from '../model/types.js';
import { workerPools } from './lib/task-code.js';
import { asyncioRunAdvisable } from './lib/loops.js';

/** A pool or patch that awaits coroutine tasks: celery-aio-pool / celery-pool-asyncio, or a patched build_tracer. */
function asyncioPool(model: ProjectModel): { what: string; where: string } | null {
  for (const w of model.workerCommands) {
    const m = /(celery_aio_pool|celery_pool_asyncio)[\w.:]*/.exec(w.raw);
    if (m) return { what: m[0], where: `${w.file}:${w.loc.line}` };
  }
  for (const d of model.dependencies) if (/^celery-(aio-pool|pool-asyncio)$/.test(d.name)) return { what: d.name, where: `${d.file}:${d.loc.line}` };
  for (const f of model.files) {
    if (f.kind !== 'python') continue;
    const m = /(?:^|\n)\s*(?:from|import)\s+(celery_aio_pool|celery_pool_asyncio)\b/.exec(f.text) ?? /\b(celery\.app\.trace\.build_tracer|trace\.build_tracer)\s*=/.exec(f.text);
    if (m) return { what: m[1]!, where: f.file };
  }
  return null;
}

export const rule: Rule = {
  meta: {
    id: 'JC201',
    name: 'async-def-task',
    band: 'event-loop',
    severity: 'error',
    confidence: 'high',
    title: '`async def` task: no released Celery runs coroutine tasks',
    description: `No Celery 5.x release awaits a coroutine task: neither \`celery\` nor \`kombu\` imports \`asyncio\`, and the task tracer has no coroutine detection. Calling an \`async def\` task returns a coroutine object, which is never run and cannot be serialized as the result: the task fails with \`kombu.exceptions.EncodeError: Object of type coroutine is not JSON serializable\` (executed on 5.6.3 and 5.7.0, prefork and threads pools). Support is an open feature request (#6552) and an unmerged PR (#10634). A project that runs coroutine tasks through a pool of its own (\`celery-aio-pool\`, \`celery-pool-asyncio\`, a patched \`build_tracer\`) is told so as info: only workers started with that pool can run the task. Under gevent/eventlet jobctl never suggests \`asyncio.run()\`.`,
    fix: 'Make the task a plain `def` and run the coroutine inside it with `asyncio.run(...)` (prefork/threads/solo pools).',
    examples: { bad: '@app.task\nasync def fetch(url):\n    return await client.get(url)', good: '@app.task\ndef fetch(url):\n    return asyncio.run(_fetch(url))' },
    sources: [
      { title: 'No asyncio import in celery; coroutine task fails with EncodeError (executed on 5.6.3 and 5.7.0, prefork and threads)', ref: 'docs/evidence/asyncio-in-celery-tasks.txt' },
      { title: 'Feature request: asyncio task support', ref: 'celery/celery#6552' },
    ],
  },
  check(ctx) {
    const pools = workerPools(ctx.model, ctx.knowledge);
    const aio = asyncioPool(ctx.model);
    for (const t of ctx.model.tasks) {
      if (!t.isAsync) continue;
      if (aio) {
        // the project runs coroutine tasks through a pool/patch of its own: Celery itself still does not
        ctx.report({ loc: t.loc, key: t.name, severity: 'info', message: `task \`${t.name}\` is an \`async def\`: this project runs coroutine tasks through ${aio.what} (${aio.where}); Celery itself does not await them, so every worker that consumes this task must run with it (any other worker fails with EncodeError)`, hint: 'route async tasks to a queue consumed only by workers started with that pool' });
        continue;
      }
      const hint = asyncioRunAdvisable(pools) ? 'make it a plain `def` and call `asyncio.run(coro())` inside' : `make it a plain \`def\` and run it on a prefork/threads worker queue (asyncio.run() under the ${pools.find((p) => p.pool === 'gevent' || p.pool === 'eventlet')!.pool} pool shares one thread between greenlets)`;
      ctx.report({ loc: t.loc, key: t.name, message: `task \`${t.name}\` is an \`async def\`: Celery calls it, gets a coroutine back and fails with EncodeError — the body never runs`, hint });
    }
  },
};
