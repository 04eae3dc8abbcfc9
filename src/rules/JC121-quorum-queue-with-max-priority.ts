import type { Rule } from './types.js';
import type { Location } from '../model/types.js';
import { mayUseRabbit } from './lib/rabbitmq.js';
import { queueCalls } from './lib/queues.js';
import { effectiveSettings } from './lib/settings.js';
import { asNumber, asString } from './lib/values.js';

const QUORUM = /['"]x-queue-type['"]\s*:\s*['"]quorum['"]/;
const OWN_PRIORITY = /['"]x-max-priority['"]\s*:|\bmax_priority\s*=/;

export const rule: Rule = {
  meta: {
    id: 'JC121',
    name: 'quorum-queue-with-max-priority',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    title: 'Quorum queue declared with x-max-priority (its own, or from task_queue_max_priority): RabbitMQ refuses the declaration and the worker exits',
    description: `RabbitMQ validates queue arguments per queue type, and \`x-max-priority\` is not a quorum-queue argument (\`rabbit_quorum_queue\` capabilities, 3.13 and 4.3 alike): declaring a quorum queue with it fails with \`406 PRECONDITION_FAILED - invalid arg 'x-max-priority' … of queue type rabbit_quorum_queue\`, and the Celery worker stops with "Unrecoverable error" at start-up.

Celery adds the argument itself: \`task_queue_max_priority\` sets \`x-max-priority\` on every queue that has none (\`Queues._set_max_priority\`), including the default queue that \`task_default_queue_type = 'quorum'\` (5.5+) makes a quorum queue, and \`Queue(…, max_priority=N)\` sets it on that queue. Run with Celery 5.6.3 and 5.7.0 on RabbitMQ 3.10.8: the worker exits. (RabbitMQ 4.0+ quorum queues have two priority levels without any argument: messages with a priority above 4 are served preferentially — \`rabbit_fifo:priority_tag\`.)`,
    fix: 'Drop `task_queue_max_priority` / `max_priority` / `x-max-priority` for quorum queues (on RabbitMQ 4.0+ quorum queues serve priority > 4 preferentially without it), or keep the queues that need priorities classic.',
    examples: {
      bad: "task_default_queue_type = 'quorum'\ntask_queue_max_priority = 10",
      good: "task_default_queue_type = 'quorum'\n# no task_queue_max_priority: RabbitMQ 4 quorum queues serve priority > 4 preferentially on their own",
    },
    sources: [
      { title: 'check_declare_arguments: "invalid arg ~ts for ~ts of queue type ~ts" (precondition_failed)', ref: 'rabbitmq-server@v4.3.0:deps/rabbit/src/rabbit_amqqueue.erl' },
      { title: 'rabbit_quorum_queue capabilities: queue_arguments without x-max-priority', ref: 'rabbitmq-server@v4.3.0:deps/rabbit/src/rabbit_quorum_queue.erl' },
      { title: 'rabbit_quorum_queue capabilities (3.13): queue_arguments without x-max-priority', ref: 'rabbitmq-server@v3.13.7:deps/rabbit/src/rabbit_quorum_queue.erl' },
      { title: 'priority_tag: a message priority > 4 is queued as high (two levels, no queue argument)', ref: 'rabbitmq-server@v4.0.0:deps/rabbit/src/rabbit_fifo.erl' },
      { title: 'Queues._set_max_priority: x-max-priority added to every queue without one', ref: 'celery@v5.5.0:celery/app/amqp.py' },
      { title: 'Executed: task_default_queue_type=quorum + task_queue_max_priority=10, Celery 5.6.3 and 5.7.0, RabbitMQ 3.10.8', ref: 'docs/evidence/rabbitmq-quorum-celery.txt' },
    ],
  },
  check(ctx) {
    if (!mayUseRabbit(ctx.model, ctx.knowledge)) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const quorumCalls = queueCalls(ctx.model).filter((q) => QUORUM.test(q.args));
    for (const q of quorumCalls) {
      if (OWN_PRIORITY.test(q.args)) ctx.report({ loc: q.loc, key: q.text, message: `\`${q.text}\` declares a quorum queue with a max priority: RabbitMQ refuses it (406 PRECONDITION_FAILED, invalid arg 'x-max-priority' for a quorum queue) and the worker exits`, hint: 'drop max_priority/x-max-priority, or keep this queue classic' });
    }
    const maxPriority = settings.filter((s) => s.newName === 'task_queue_max_priority' && asNumber(s.assignment.value) !== null);
    if (maxPriority.length === 0) return;
    const taskQueuesSet = settings.some((s) => s.newName === 'task_queues');
    const defaultQuorum = settings.find((s) => s.newName === 'task_default_queue_type' && asString(s.assignment.value) === 'quorum');
    const victims: { what: string; loc: Location }[] = quorumCalls.filter((q) => !OWN_PRIORITY.test(q.args)).map((q) => ({ what: `\`${q.text}\``, loc: q.loc }));
    // task_default_queue_type makes the default queue a quorum queue only when task_queues is not set (celery/app/amqp.py Queues)
    if (defaultQuorum && !taskQueuesSet) victims.push({ what: `the default queue (\`${defaultQuorum.assignment.name} = 'quorum'\`)`, loc: defaultQuorum.assignment.keyLoc });
    if (victims.length === 0) return;
    for (const s of maxPriority) {
      const first = victims[0]!;
      const more = victims.length > 1 ? ` and ${victims.length - 1} more` : '';
      ctx.report({ loc: s.assignment.keyLoc, key: s.assignment.name, message: `\`${s.assignment.name} = ${asNumber(s.assignment.value)}\` adds x-max-priority to every queue without one, including the quorum queue ${first.what} (${first.loc.file}:${first.loc.line})${more}: RabbitMQ refuses the declaration (406 PRECONDITION_FAILED) and the worker exits`, hint: 'remove task_queue_max_priority (RabbitMQ 4 quorum queues serve priority > 4 first on their own) or keep priority queues classic' });
    }
  },
};
