import type { Rule } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC201',
    name: 'async-def-task',
    band: 'event-loop',
    severity: 'error',
    confidence: 'high',
    title: '`async def` task: no released Celery runs coroutine tasks',
    description: `No Celery 5.x release awaits a coroutine task: neither \`celery\` nor \`kombu\` imports \`asyncio\`, and the task tracer has no coroutine detection. Calling an \`async def\` task returns a coroutine object, which is never run and cannot be serialized as the result: the task fails with \`kombu.exceptions.EncodeError: Object of type coroutine is not JSON serializable\` (executed on 5.6.3 and 5.7.0, prefork and threads pools). Support is an open feature request (#6552) and an unmerged PR (#10634).`,
    fix: 'Make the task a plain `def` and run the coroutine inside it with `asyncio.run(...)` (prefork/threads/solo pools).',
    examples: { bad: '@app.task\nasync def fetch(url):\n    return await client.get(url)', good: '@app.task\ndef fetch(url):\n    return asyncio.run(_fetch(url))' },
    sources: [
      { title: 'No asyncio import in celery; coroutine task fails with EncodeError (executed on 5.6.3 and 5.7.0, prefork and threads)', ref: 'docs/evidence/asyncio-in-celery-tasks.txt' },
      { title: 'Feature request: asyncio task support', ref: 'celery/celery#6552' },
    ],
  },
  check(ctx) {
    for (const t of ctx.model.tasks) {
      if (!t.isAsync) continue;
      ctx.report({ loc: t.loc, key: t.name, message: `task \`${t.name}\` is an \`async def\`: Celery calls it, gets a coroutine back and fails with EncodeError — the body never runs`, hint: 'make it a plain `def` and call `asyncio.run(coro())` inside' });
    }
  },
};
