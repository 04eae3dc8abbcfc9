import type { Rule } from './types.js';

const KEYS = ['removeOnComplete', 'removeOnFail'] as const;

export const rule: Rule = {
  meta: {
    id: 'JC612',
    name: 'bullmq-jobs-never-removed',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: 'BullMQ jobs added without `removeOnComplete`/`removeOnFail`: finished jobs pile up in Redis',
    description: `By default BullMQ keeps every finished job (its data, return value and stack trace) in the queue's "completed" and "failed" sets; nothing expires them. BullMQ's docs: "as the solution reaches a production-grade level, we usually need to restrict the number of finished jobs to be kept, so that we do not fill Redis". With \`maxmemory-policy noeviction\` (which BullMQ requires) a full Redis then refuses writes. Set the options on the job, in the Queue's \`defaultJobOptions\`, or on the Worker; each \`add\` here is checked against all three.`,
    fix: "Set `removeOnComplete` and `removeOnFail` (e.g. `{ removeOnComplete: 1000, removeOnFail: 5000 }` or `{ age: 3600 }`) in `defaultJobOptions` of the Queue.",
    examples: { language: 'typescript', bad: "const q = new Queue('mail', { connection });\nawait q.add('send', data);", good: "const q = new Queue('mail', { connection, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });" },
    sources: [
      { title: 'BullMQ docs, Auto-removal of jobs', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/queues/auto-removal-of-jobs.md' },
      { title: 'WorkerOptions.removeOnComplete/removeOnFail: default keeps the job', ref: 'taskforcesh/bullmq@v6.2.0:src/interfaces/worker-options.ts' },
      { title: 'BullMQ docs, Going to production: maxmemory-policy noeviction', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/going-to-production.md' },
    ],
  },
  check(ctx) {
    const ts = ctx.model.ts;
    if (!ts) return;
    for (const add of ts.bullJobAdds) {
      if (add.optionKeys === null) continue; // options not a literal: unknown
      const queue = ts.bullQueues.find((q) => q.variable === add.queueVariable && q.loc.file === add.loc.file);
      const workerKeys = ts.bullWorkers.filter((w) => w.className === 'Worker' && add.queueName !== null && w.name === add.queueName).flatMap((w) => w.optionKeys);
      const missing = KEYS.filter((k) => !add.optionKeys!.includes(k) && !(queue?.defaultJobOptionKeys.includes(k) ?? false) && !workerKeys.includes(k));
      if (missing.length === 0) continue;
      ctx.report({
        loc: add.loc,
        key: `${add.queueVariable}.${add.method}`,
        message: `\`${add.queueVariable}.${add.method}(…)\` on queue \`${add.queueName ?? add.queueVariable}\` sets no ${missing.map((k) => `\`${k}\``).join(' / ')} (not in the job, the Queue's defaultJobOptions or the Worker): finished jobs stay in Redis forever`,
        hint: `add ${missing.map((k) => `${k}: …`).join(', ')} to the Queue's defaultJobOptions`,
      });
    }
  },
};
