import type { Rule } from './types.js';
import { closestTaskName, tasksNamed } from '../model/typescript/celery-registry.js';

export const rule: Rule = {
  meta: {
    id: 'JC410',
    name: 'celery-producer-unknown-task',
    band: 'deploy',
    severity: 'error',
    confidence: 'medium',
    title: 'Node producer sends a task name no Celery worker of the project registers',
    description: `A Node.js producer (celery-node \`createTask\`/\`sendTask\`, or a hand-built protocol message with \`headers.task\`) names a task that is not in the project's Python task registry. The worker accepts the message and then rejects it: Celery logs "Received unregistered task of type '…'" and discards it (the producer's result never arrives). This happens after a task or its module is renamed: the Python side moves on, the Node string does not. Celery derives an unnamed task's name from the module path (\`<module>.<function>\`), so moving the module renames the task too.`,
    fix: 'Send the registered name (shown in the hint), or give the Python task an explicit `name=` that both sides use.',
    examples: { language: 'typescript', bad: "client.createTask('tasks.send_mail').applyAsync([to])   // Python: proj.mail.tasks.send_email", good: "client.createTask('proj.mail.tasks.send_email').applyAsync([to])" },
    sources: [
      { title: 'Celery docs, Tasks: Names (automatic naming from the module)', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' },
      { title: 'Worker: unregistered task is rejected ("Received unregistered task of type")', ref: 'celery@v5.6.2:celery/worker/consumer/consumer.py (verified in the installed package)' },
      { title: 'celery-node sends headers.task as given (asTaskV2)', ref: 'actumn/celery.node@d1a2b2d:src/app/client.ts' },
    ],
  },
  check(ctx) {
    const ts = ctx.model.ts;
    // without any Python task the registry is elsewhere (another repository): nothing to compare with
    if (!ts || ctx.model.tasks.length === 0) return;
    const seen = new Set<string>();
    for (const p of ts.celeryProducers) {
      if (p.taskName === null || tasksNamed(ctx.model, p.taskName).length > 0) continue;
      const at = `${p.nameLoc.file}:${p.nameLoc.line}:${p.nameLoc.column}`;
      if (seen.has(at)) continue;
      seen.add(at);
      const near = closestTaskName(ctx.model, p.taskName);
      const derived = near ? ctx.model.tasks.find((t) => t.name === near && !t.explicitName) : undefined;
      ctx.report({
        loc: p.nameLoc,
        key: p.taskName,
        message: `task \`${p.taskName}\` is not registered by any Celery worker of this project: the worker will reject it as unregistered${near ? ` (did you mean \`${near}\`?)` : ''}`,
        hint: near ? `send \`${near}\`${derived ? ' — its name is derived from the module path; an explicit `name=` on the Python task keeps both sides stable' : ''}` : 'send a registered task name, or register the task on the Python side',
        confidence: near ? 'high' : 'medium',
      });
    }
  },
};
