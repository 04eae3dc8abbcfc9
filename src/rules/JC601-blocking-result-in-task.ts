import type { Rule } from './types.js';
import { describeChain, reachableFromTasks, workerPools } from './lib/task-code.js';
import { functionSource } from './lib/source.js';

export const rule: Rule = {
  meta: {
    id: 'JC601',
    name: 'blocking-result-in-task',
    band: 'readiness',
    severity: 'error',
    confidence: 'medium',
    title: 'Waiting for another task\'s result inside a task (`.get()` / `.wait()` / `.join()`)',
    description: `A task that blocks on the result of another task holds its worker slot while waiting. When every slot is waiting, nothing is left to run the subtasks: the pool deadlocks.

Celery's guard exists only where the pool sets \`task_join_will_block\`: the **prefork, solo and threads** pools do, so \`AsyncResult.get()\`/\`ResultSet.join()\` inside a task raise \`RuntimeError: Never call result.get() within a task!\` (unless \`disable_sync_subtasks=False\` is passed, which only removes the guard). The **gevent and eventlet** pools set it to False: nothing stops the call, the task waits in its slot, and the pool deadlocks once every slot waits for tasks queued behind it.

jobctl follows the results: a result of \`.delay()\`/\`.apply_async()\`/\`group(...)()\` kept in a variable, or collected into a list, a comprehension or a dict and then waited on in a loop or comprehension.`,
    fix: 'Chain the work instead (`chain(a.s(), b.s())`, `chord(...)`, or a callback with `link=`), and return.',
    examples: { bad: '@app.task\ndef report(uid):\n    data = fetch.delay(uid).get()\n    return render(data)', good: '@app.task\ndef report(uid):\n    return chain(fetch.s(uid), render.s())()' },
    sources: [
      { title: 'Celery docs, Tasks: Avoid launching synchronous subtasks', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' },
      { title: 'assert_will_not_block', ref: 'celery@v5.6.3:celery/result.py' },
      { title: 'task_join_will_block: True in the base pool, False in gevent and eventlet; set by the worker from its pool', ref: 'celery@v5.6.3:celery/concurrency/base.py, celery/concurrency/gevent.py, celery/concurrency/eventlet.py, celery/worker/components.py' },
    ],
  },
  check(ctx) {
    const pools = workerPools(ctx.model, ctx.knowledge).map((p) => p.pool);
    const greenlet = pools.find((p) => p === 'gevent' || p === 'eventlet');
    const guarded = pools.length === 0 || pools.some((p) => p !== 'gevent' && p !== 'eventlet');
    const consequence = greenlet && !guarded
      ? `under the ${greenlet} pool nothing stops it (task_join_will_block is False there): the task waits in its slot, and the pool deadlocks once every slot waits for tasks queued behind it`
      : greenlet
        ? `prefork/solo/threads workers raise "Never call result.get() within a task!"; under the ${greenlet} pool nothing stops it and the pool deadlocks once every slot waits`
        : 'Celery raises "Never call result.get() within a task!" under prefork/solo/threads (under gevent/eventlet nothing stops it and the pool deadlocks once every slot waits)';
    for (const r of reachableFromTasks(ctx.model).values()) {
      // the names are read from the function's source only when it waits on something (most functions do not)
      let names: ReturnType<typeof resultNames> | undefined;
      const seenKeys = new Set<string>();
      for (const call of r.fn.calls) {
        const m = /^(.*)\.(get|wait|join|join_native)$/.exec(call.callee);
        if (!m) continue;
        const { single, collections, elements } = names ??= resultNames(functionSource(ctx.model, r.fn));
        const receiver = m[1]!;
        const direct = /\.(delay|apply_async)\(\)$/.test(receiver) || /(^|\.)AsyncResult\(\)$/.test(receiver) || /\)\(\)$/.test(receiver) && /group|chord|chain/.test(receiver);
        const subscript = /^(\w+)\[/.exec(receiver)?.[1];
        const fromCollection = elements.has(receiver) || (subscript !== undefined && collections.has(subscript));
        if (!direct && !single.has(receiver) && !fromCollection) continue;
        // a comprehension's .get() is one wait per element: report the call once
        const key = `${call.callee}@${call.loc.line}`;
        if (seenKeys.has(key)) continue;
        seenKeys.add(key);
        const what = fromCollection ? 'waits for each of the results collected in this task' : "waits for another task's result";
        ctx.report({ loc: call.loc, key: call.callee, message: `\`${call.callee}(…)\` ${what} inside ${describeChain(r)}: it holds a worker slot while the subtasks wait for one; ${consequence}`, hint: 'use a chain/chord/callback instead of waiting' });
      }
    }
  },
};

/**
 * Names holding AsyncResults in a function's source: single results (`r = t.delay()`), collections of them (a list or
 * dict comprehension over `.delay()`, `.append(t.delay())`, `d[k] = t.delay()`) and loop/comprehension variables that
 * iterate over such a collection (`for r in results`, `for k, r in results.items()`).
 */
function resultNames(src: string): { single: Set<string>; collections: Set<string>; elements: Set<string> } {
  const single = new Set<string>();
  const collections = new Set<string>();
  const elements = new Set<string>();
  for (const m of src.matchAll(/(\w+)\s*=\s*(?:[\w.]+\.(?:delay|apply_async)|(?:[\w.]*\.)?AsyncResult|(?:group|chord|chain)\b[^\n]*?\)\s*\.?\s*(?:apply_async|delay)?)\s*\(/g)) single.add(m[1]!);
  const SEND = /\.(?:delay|apply_async)\s*\(|\b(?:group|chord)\s*\(/;
  for (const m of src.matchAll(/(\w+)\s*=\s*([\[{(][^\n]*)/g)) if (SEND.test(m[2]!) && /\bfor\b|,/.test(m[2]!)) collections.add(m[1]!);
  for (const m of src.matchAll(/(\w+)\.(?:append|add|extend|insert)\(([^\n]*)/g)) if (SEND.test(m[2]!)) collections.add(m[1]!);
  for (const m of src.matchAll(/(\w+)\[[^\]\n]+\]\s*=\s*([^\n]*)/g)) if (SEND.test(m[2]!)) collections.add(m[1]!);
  // a group result is a collection too: for r in group(...)(): r.get()
  for (const name of single) collections.add(name);
  for (const m of src.matchAll(/\bfor\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(?:enumerate\(|zip\([^,\n]*,\s*)?(\w+)(\.(?:items|values)\(\))?/g)) {
    if (!collections.has(m[3]!)) continue;
    // for k, r in d.items() / for i, r in enumerate(results): the second name is the result
    elements.add(m[2] ?? m[1]!);
  }
  return { single, collections, elements };
}
