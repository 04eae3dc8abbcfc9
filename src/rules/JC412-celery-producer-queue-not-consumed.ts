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
    description: `A Node producer puts the message straight into a queue: celery-node (0.5.9, the published release) always publishes to its client's queue (\`createClient(broker, backend, queue)\`, default \`celery\`) — \`Task.applyAsync(args, kwargs)\` and \`Client.sendTask(name, args, kwargs, taskId)\` take no options, so a \`{ routingKey }\` or \`{ queue }\` argument is ignored (a \`routingKey\` option exists only in an unmerged pull request); a raw \`lpush\` writes to the list it names. Python's \`task_routes\` and \`@task(queue=…)\` do not apply to messages sent from Node. When every worker is started with \`-Q\` queues that do not include this one, the messages wait in Redis forever.`,
    fix: 'Send through a client created for a queue a worker consumes (`createClient(broker, backend, "<queue>")`, one client per queue), or add the queue to a worker\'s `-Q`.',
    examples: { language: 'typescript', bad: "createClient(url, url)            # sends to 'celery'\n# worker: celery -A proj worker -Q emails", good: "createClient(url, url, 'emails')" },
    sources: [
      { title: 'celery-node publishes to the client\'s CELERY_QUEUE only; applyAsync/sendTask take no options', ref: 'actumn/celery.node@d1a2b2d:src/app/client.ts (npm celery-node@0.5.9 dist/app/client.js)' },
      { title: 'routingKey option: unmerged pull request', ref: 'https://github.com/actumn/celery.node/pull/100' },
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
      if (queue === null) continue;
      if (consumed.has(queue)) {
        if (p.ignoredRoutingKey && p.ignoredRoutingKey !== queue) {
          ctx.report({
            loc: p.loc, key: `${p.taskName ?? ''}@${p.ignoredRoutingKey}`, severity: 'info',
            message: `celery-node ignores \`routingKey: '${p.ignoredRoutingKey}'\`: \`${p.taskName ?? 'task'}\` goes to the client's queue \`${queue}\` (consumed, so it runs — but not on \`${p.ignoredRoutingKey}\`)`,
            hint: `to send to \`${p.ignoredRoutingKey}\`, use a client created for it: createClient(broker, backend, '${p.ignoredRoutingKey}')`,
          });
        }
        continue;
      }
      const routed = p.taskName ? routedQueue(ctx.model, p.taskName) : null;
      ctx.report({
        loc: p.loc,
        key: `${p.taskName ?? ''}@${queue}`,
        message: `\`${p.taskName ?? 'task'}\` is sent to queue \`${queue}\`${p.ignoredRoutingKey ? ` (celery-node ignores its \`routingKey: '${p.ignoredRoutingKey}'\`)` : ''}, which no worker consumes (workers consume: ${[...consumed].sort().join(', ')})${routed && routed !== queue ? `; the Python side routes it to \`${routed}\`, which a Node producer does not apply` : ''}`,
        hint: routed && consumed.has(routed) ? `send through a client created for \`${routed}\` (createClient(broker, backend, '${routed}'); celery-node ignores routingKey)` : 'send through a client created for a consumed queue, or add this one to a worker\'s -Q',
      });
    }
  },
};
