import type { Rule } from './types.js';
import { consumedQueues, routedQueue } from '../model/typescript/celery-registry.js';

export const rule: Rule = {
  meta: {
    id: 'JC412',
    name: 'celery-producer-queue-not-consumed',
    band: 'deploy',
    severity: 'warning',
    confidence: 'medium',
    title: 'Node producer sends to a queue no Celery worker of the project consumes',
    description: `A Node producer puts the message straight into a queue: celery-node publishes to its client queue (\`createClient(broker, backend, queue)\`, default \`celery\`) or to \`options.routingKey\`; a raw \`lpush\` writes to the list it names. Python's \`task_routes\` and \`@task(queue=…)\` do not apply to messages sent from Node. When every worker is started with \`-Q\` queues that do not include this one, the messages wait in Redis forever. Note that celery-node's \`queue\` option is not read when sending; only \`routingKey\` is.`,
    fix: 'Send to a queue a worker consumes (`createClient(broker, backend, "<queue>")` or `{ routingKey: "<queue>" }`), or add the queue to a worker\'s `-Q`.',
    examples: { language: 'typescript', bad: "createClient(url, url)            # sends to 'celery'\n# worker: celery -A proj worker -Q emails", good: "createClient(url, url, 'emails')" },
    sources: [
      { title: 'celery-node publishes to options.routingKey ?? CELERY_QUEUE', ref: 'actumn/celery.node@d1a2b2d:src/app/client.ts' },
      { title: 'celery-node createClient(broker, backend, queue = "celery")', ref: 'actumn/celery.node@d1a2b2d:src/index.ts' },
      { title: 'Celery docs, Routing: -Q selects the queues a worker consumes', ref: 'celery@v5.6.3:docs/userguide/routing.rst' },
    ],
  },
  check(ctx) {
    const ts = ctx.model.ts;
    if (!ts) return;
    const consumed = consumedQueues(ctx.model);
    if (!consumed) return; // no worker command in the project: who consumes what is unknown
    for (const p of ts.celeryProducers) {
      const queue = p.queue ?? p.clientQueue;
      if (queue === null || consumed.has(queue)) continue;
      const routed = p.taskName ? routedQueue(ctx.model, p.taskName) : null;
      ctx.report({
        loc: p.loc,
        key: `${p.taskName ?? ''}@${queue}`,
        message: `\`${p.taskName ?? 'task'}\` is sent to queue \`${queue}\`, which no worker consumes (workers consume: ${[...consumed].sort().join(', ')})${routed && routed !== queue ? `; the Python side routes it to \`${routed}\`, which a Node producer does not apply` : ''}`,
        hint: routed && consumed.has(routed) ? `send to \`${routed}\` (routingKey or the client's queue)` : 'send to a consumed queue or add this one to a worker\'s -Q',
      });
    }
  },
};
