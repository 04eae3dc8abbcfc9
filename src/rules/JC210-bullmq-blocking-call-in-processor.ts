import type { Rule } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC210',
    name: 'bullmq-blocking-call-in-processor',
    band: 'event-loop',
    severity: 'warning',
    confidence: 'medium',
    title: 'Synchronous (event-loop blocking) call inside a BullMQ processor',
    description: `A BullMQ processor runs on the worker's Node.js event loop. While a synchronous call runs (\`readFileSync\`, \`execSync\`, \`pbkdf2Sync\`, \`gzipSync\`, \`Atomics.wait\`, a busy-wait loop), nothing else runs: the worker cannot renew the job lock (renewed every \`lockDuration\`/2, default 30 s lock) or serve its other concurrent jobs. BullMQ's docs: "make sure that your worker does not keep the Node.js event loop too busy"; a lock that is not renewed in time makes the job *stalled*: it is moved back to wait (run twice) or failed after \`maxStalledCount\` (default 1). Calls inside same-project helpers the processor calls are followed.`,
    fix: 'Use the async API (`fs.promises.readFile`, `execFile` with a promise, `crypto.pbkdf2`, `zlib.gzip`), or move CPU-heavy work to a sandboxed processor (pass a file path to `new Worker`).',
    examples: { language: 'typescript', bad: "new Worker('thumbs', async (job) => {\n  const img = fs.readFileSync(job.data.path);\n})", good: "new Worker('thumbs', async (job) => {\n  const img = await fs.promises.readFile(job.data.path);\n})" },
    sources: [
      { title: 'BullMQ docs, Stalled jobs: do not keep the event loop busy; sandboxed processors', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/jobs/stalled.md' },
      { title: 'BullMQ WorkerOptions: lockDuration (default 30000), lockRenewTime (lockDuration/2), maxStalledCount (default 1)', ref: 'taskforcesh/bullmq@v6.2.0:src/interfaces/worker-options.ts' },
      { title: 'BullMQ docs, Sandboxed processors', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/workers/sandboxed-processors.md' },
    ],
  },
  check(ctx) {
    for (const w of ctx.model.ts?.bullWorkers ?? []) {
      if (w.className !== 'Worker') continue;
      for (const b of w.blockingCalls) {
        const via = b.via.length > 0 ? ` (reached through ${b.via.map((v) => `\`${v}()\``).join(' → ')})` : '';
        ctx.report({
          loc: b.loc,
          key: `${w.name ?? ''}:${b.callee}`,
          message: `\`${b.callee}\` blocks the event loop inside the processor of BullMQ worker \`${w.name ?? w.variable ?? '?'}\`${via}: while it runs the job lock is not renewed and other jobs wait; long blocks make jobs stall`,
          hint: b.callee === 'busy-wait loop' ? 'await a timer (`await setTimeout(ms)` from node:timers/promises) instead of spinning' : 'use the async variant, or a sandboxed processor for CPU-heavy work',
        });
      }
    }
  },
};
