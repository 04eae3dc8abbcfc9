import type { Rule } from './types.js';
import { describeChain, reachableFromTasks } from './lib/task-code.js';
import { functionSource } from './lib/source.js';

export const rule: Rule = {
  meta: {
    id: 'JC601',
    name: 'blocking-result-in-task',
    band: 'readiness',
    severity: 'error',
    confidence: 'medium',
    title: 'Waiting for another task\'s result inside a task (`.get()` / `.wait()` / `.join()`)',
    description: 'A task that blocks on the result of another task holds its worker slot while waiting. When every slot is waiting, nothing is left to run the subtasks: the pool deadlocks. Celery guards against it — `AsyncResult.get()` inside a task raises `RuntimeError: Never call result.get() within a task!` unless `disable_sync_subtasks=False` is passed, which only removes the guard.',
    fix: 'Chain the work instead (`chain(a.s(), b.s())`, `chord(...)`, or a callback with `link=`), and return.',
    examples: { bad: '@app.task\ndef report(uid):\n    data = fetch.delay(uid).get()\n    return render(data)', good: '@app.task\ndef report(uid):\n    return chain(fetch.s(uid), render.s())()' },
    sources: [
      { title: 'Celery docs, Tasks: Avoid launching synchronous subtasks', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' },
      { title: 'assert_will_not_block', ref: 'celery@v5.6.3:celery/result.py' },
    ],
  },
  check(ctx) {
    for (const r of reachableFromTasks(ctx.model).values()) {
      const src = functionSource(ctx.model, r.fn);
      const resultVars = new Set<string>();
      for (const m of src.matchAll(/(\w+)\s*=\s*(?:[\w.]+\.(?:delay|apply_async)|(?:[\w.]*\.)?AsyncResult|(?:group|chord|chain)\b[^\n]*?\)\s*\.?\s*(?:apply_async|delay)?)\s*\(/g)) resultVars.add(m[1]!);
      for (const call of r.fn.calls) {
        const m = /^(.*)\.(get|wait|join|join_native)$/.exec(call.callee);
        if (!m) continue;
        const receiver = m[1]!;
        const direct = /\.(delay|apply_async)\(\)$/.test(receiver) || /(^|\.)AsyncResult\(\)$/.test(receiver) || /\)\(\)$/.test(receiver) && /group|chord|chain/.test(receiver);
        if (!direct && !resultVars.has(receiver)) continue;
        ctx.report({ loc: call.loc, key: call.callee, message: `\`${call.callee}(…)\` waits for another task's result inside ${describeChain(r)}: with every worker slot waiting, the pool deadlocks (Celery raises "Never call result.get() within a task!")`, hint: 'use a chain/chord/callback instead of waiting' });
      }
    }
  },
};
