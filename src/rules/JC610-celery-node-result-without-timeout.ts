import type { Rule } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC610',
    name: 'celery-node-result-without-timeout',
    band: 'readiness',
    severity: 'warning',
    confidence: 'high',
    title: 'celery-node `result.get()` without a timeout waits forever',
    description: `celery-node's \`AsyncResult.get(timeout?)\` polls the result backend every 500 ms until a result arrives; without a timeout it never gives up. A task that was rejected (unregistered name, bad arguments with no result stored), lost, or routed to a queue no worker reads leaves the promise pending forever, together with its interval timer — an HTTP request handler hangs and the process leaks timers.`,
    fix: 'Pass a timeout in milliseconds (`await result.get(30_000)`) and handle the `TIMEOUT` rejection.',
    examples: { language: 'typescript', bad: 'const sum = await task.applyAsync([1, 2]).get();', good: 'const sum = await task.applyAsync([1, 2]).get(10_000);' },
    sources: [{ title: 'celery-node AsyncResult.get(timeout?): setInterval polling, rejects with TIMEOUT only when a timeout is given', ref: 'actumn/celery.node@d1a2b2d:src/app/result.ts' }],
  },
  check(ctx) {
    for (const w of ctx.model.ts?.celeryResultWaits ?? []) {
      if (w.timeoutText !== null && !/^(?:0|undefined|null)$/.test(w.timeoutText.trim())) continue;
      ctx.report({ loc: w.loc, message: 'celery-node `get()` without a timeout polls every 500 ms forever when the result never comes (rejected, lost or unconsumed task)', hint: 'pass a timeout in ms, e.g. `.get(30_000)`' });
    }
  },
};
