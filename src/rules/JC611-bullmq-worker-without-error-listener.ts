import type { Rule } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC611',
    name: 'bullmq-worker-without-error-listener',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: "BullMQ Worker without an `'error'` listener",
    description: `A Worker emits \`'error'\` for connection problems and internal failures. Node's EventEmitter throws an \`'error'\` event that has no listener, so the error surfaces as an uncaught exception. BullMQ's docs: "If the error handler is missing, your worker may stop processing jobs when an error is emitted!" Job failures are a different event (\`'failed'\`), which needs no listener to be safe; it is only reported in the message when neither is handled.`,
    fix: "Attach `worker.on('error', (err) => logger.error(err))` where the worker is created.",
    examples: { language: 'typescript', bad: "const worker = new Worker('q', proc, { connection });", good: "const worker = new Worker('q', proc, { connection });\nworker.on('error', (err) => log.error(err));" },
    sources: [
      { title: 'BullMQ docs, Workers: attach an error listener (danger hint)', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/workers/README.md' },
      { title: 'BullMQ docs, Going to production: Log errors', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/going-to-production.md' },
      { title: "Node.js docs, Events: Error events (an unhandled 'error' is thrown)", ref: 'https://nodejs.org/api/events.html#error-events' },
    ],
  },
  check(ctx) {
    for (const w of ctx.model.ts?.bullWorkers ?? []) {
      if (w.className !== 'Worker') continue;
      // a worker not bound to a variable we can follow (returned, pushed into an array) is not judged
      if (!w.variable || w.listenedEvents.includes('error')) continue;
      ctx.report({
        loc: w.loc,
        key: w.name ?? w.variable,
        message: `BullMQ worker \`${w.name ?? w.variable}\` has no 'error' listener: an emitted error is thrown as an uncaught exception and the worker may stop processing${w.listenedEvents.includes('failed') ? '' : " (there is no 'failed' listener either, so job failures go unlogged)"}`,
        hint: `${w.variable}.on('error', (err) => { /* log */ })`,
      });
    }
  },
};
