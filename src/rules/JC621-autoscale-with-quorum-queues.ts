import type { Rule } from './types.js';
import { celeryRange, mayUseRabbit, quorumQueueArguments } from './lib/rabbitmq.js';
import { settingState } from './lib/fact-state.js';
import { effectiveSettings } from './lib/settings.js';
import { asBool, asString } from './lib/values.js';
import { compareVersions } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC621',
    name: 'autoscale-with-quorum-queues',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: 'Worker started with --autoscale while the app uses quorum queues: the prefetch count is static, autoscaling does not work',
    description: `With quorum queues Celery 5.5+ turns global QoS off (\`worker_detect_quorum_queues\`, default True), and the prefetch count is then fixed for the consumer's life: "Disabling global QoS means that the per-channel QoS is now static … Autoscaling relies on increasing and decreasing the prefetch count whenever a new process is instantiated or terminated so it won't work when Quorum Queues are detected" (Celery's RabbitMQ docs, Limitations). 

Reported at each worker command with \`--autoscale\` when the project declares a quorum queue (\`x-queue-type: quorum\`, \`task_default_queue_type = 'quorum'\`) and the Celery pin allows 5.5 or later.`,
    fix: 'Use a fixed concurrency (`-c N`) and scale with more worker processes/replicas, or keep the queues this worker consumes classic.',
    examples: {
      bad: "# compose: command: celery -A proj worker --autoscale=10,2\ntask_default_queue_type = 'quorum'",
      good: "# compose: command: celery -A proj worker -c 8\ntask_default_queue_type = 'quorum'",
    },
    sources: [
      { title: 'Celery docs, Using RabbitMQ: Quorum Queues — Limitations (static prefetch, autoscaling)', ref: 'celery@v5.5.3:docs/getting-started/backends-and-brokers/rabbitmq.rst' },
      { title: 'Tasks.qos_global: global QoS off when quorum queues are detected', ref: 'celery@v5.5.0:celery/worker/consumer/tasks.py' },
      { title: 'worker_detect_quorum_queues default True', ref: 'celery@v5.6.0:celery/app/defaults.py' },
    ],
  },
  check(ctx) {
    if (!mayUseRabbit(ctx.model, ctx.knowledge)) return;
    const range = celeryRange(ctx.model, ctx.knowledge);
    if (range && compareVersions(range.min, '5.5.0') < 0) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const detect = settingState(ctx.model, ctx.knowledge, 'worker_detect_quorum_queues', {}, settings);
    if (detect.state === 'known' && asBool(detect.value.assignment.value) === false) return;
    const quorum = quorumQueueArguments(ctx.model)[0]?.loc
      ?? settings.find((s) => s.newName === 'task_default_queue_type' && asString(s.assignment.value) === 'quorum')?.assignment.keyLoc;
    if (!quorum) return;
    for (const w of ctx.model.workerCommands) {
      if (w.subcommand !== 'worker' || !w.argv.some((a) => a === '--autoscale' || a.startsWith('--autoscale='))) continue;
      ctx.report({ loc: w.loc, key: `${w.file}:${w.loc.line}:${w.node ?? ''}`, message: `\`--autoscale\` with quorum queues (${quorum.file}:${quorum.line}): Celery turns global QoS off for them and the prefetch count stays static, and autoscaling relies on changing it ("it won't work when Quorum Queues are detected", Celery's RabbitMQ docs)`, hint: 'use a fixed -c N and scale with more workers, or keep this worker\'s queues classic' });
    }
  },
};
