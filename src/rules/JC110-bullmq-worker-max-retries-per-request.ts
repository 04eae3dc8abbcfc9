import type { Rule } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC110',
    name: 'bullmq-worker-max-retries-per-request',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    title: 'BullMQ Worker/QueueEvents connection without `maxRetriesPerRequest: null`',
    description: `Workers and QueueEvents use blocking Redis commands and need \`maxRetriesPerRequest: null\`. When BullMQ creates the connection from options it forces \`null\` (printing "BullMQ: WARNING! Your redis options maxRetriesPerRequest must be null and will be overridden by BullMQ." when another value was written). When an existing ioredis instance is passed, BullMQ checks its options and, since v5.0.0, **throws** "BullMQ: Your redis options maxRetriesPerRequest must be null." (v2–v4 printed a deprecation warning). ioredis's own default is 20, so \`new IORedis(url)\` without the option fails when handed to a Worker.`,
    fix: 'Create the ioredis instance used by workers with `{ maxRetriesPerRequest: null }`, or pass connection options and let BullMQ create the connection.',
    examples: { language: 'typescript', bad: "const connection = new IORedis(process.env.REDIS_URL);\nnew Worker('q', proc, { connection });", good: "const connection = new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: null });\nnew Worker('q', proc, { connection });" },
    sources: [
      { title: 'BullMQ docs, Going to production: maxRetriesPerRequest must be null for Workers', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/going-to-production.md' },
      { title: 'RedisConnection.checkBlockingOptions: throws for a passed instance (since v5.0.0), warns for options', ref: 'taskforcesh/bullmq@v6.2.0:src/classes/redis-connection.ts' },
      { title: 'v4: the same check only warned (DEPRECATION WARNING)', ref: 'taskforcesh/bullmq@v4.0.0:src/classes/redis-connection.ts' },
      { title: 'BullMQ docs, Connections: new IORedis({ maxRetriesPerRequest: null }) for workers', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/connections.md' },
    ],
  },
  check(ctx) {
    for (const w of ctx.model.ts?.bullWorkers ?? []) {
      const c = w.connection;
      if (!c || c.kind === 'unknown') continue;
      const value = c.maxRetriesPerRequest?.trim() ?? null;
      if (value === 'null') continue;
      if (c.kind === 'ioredis-instance') {
        ctx.report({
          loc: w.loc,
          key: w.name ?? w.variable ?? '',
          message: `${w.className} \`${w.name ?? w.variable ?? '?'}\` gets an ioredis instance created${value === null ? ' without \`maxRetriesPerRequest\` (ioredis default: 20)' : ` with \`maxRetriesPerRequest: ${value}\``} at ${c.instanceLoc ? `${c.instanceLoc.file}:${c.instanceLoc.line}` : '?'}: BullMQ ≥ 5 throws "maxRetriesPerRequest must be null" when the worker starts`,
          hint: 'add `maxRetriesPerRequest: null` to the options of that ioredis instance',
        });
      } else if (value !== null) {
        ctx.report({
          loc: w.loc,
          key: w.name ?? w.variable ?? '',
          severity: 'warning',
          message: `${w.className} \`${w.name ?? w.variable ?? '?'}\` sets \`maxRetriesPerRequest: ${value}\`: BullMQ overrides it with null and prints a warning at every start`,
          hint: 'remove the option (or set it to null) for worker connections',
        });
      }
    }
  },
};
