import type { Rule } from './types.js';
import type { Location } from '../model/types.js';
import { celeryRange, describeRabbit, mayUseRabbit, quorumQueueArguments, rabbitAtLeast, rabbitServers } from './lib/rabbitmq.js';
import { settingState } from './lib/fact-state.js';
import { effectiveSettings } from './lib/settings.js';
import { asBool, asString } from './lib/values.js';
import { compareVersions } from './lib/versions.js';
import { detectPackageVersion } from '../engine/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC321',
    name: 'quorum-queues-with-global-qos',
    band: 'versions',
    severity: 'error',
    confidence: 'medium',
    title: 'Quorum queues consumed with global QoS (Celery before 5.5, or worker_detect_quorum_queues=False): RabbitMQ refuses the consumer',
    description: `RabbitMQ quorum queues do not support global QoS: a \`basic.consume\` on a quorum queue from a channel with a global prefetch limit is refused with \`540 NOT_IMPLEMENTED - queue '…' does not support global qos\` (\`rabbit_quorum_queue:consume\` and \`rabbit_channel\`), the worker reconnects and is refused again, forever: it never consumes. Run with Celery 5.3.6, and with 5.6.3/5.7.0 and \`worker_detect_quorum_queues = False\`, on RabbitMQ 3.10.8: refused; 5.6.3/5.7.0 with the default: consumed.

Celery before 5.5 always asks for global QoS on RabbitMQ (\`qos_global = not connection.qos_semantics_matches_spec\`, and kombu before 5.7 answers "not per spec" for every RabbitMQ from 3.3 on). Celery 5.5 added \`worker_detect_quorum_queues\` (default \`True\`): when a queue has \`x-queue-type: quorum\` it turns global QoS off — setting it to \`False\` brings the failure back. kombu 5.7.0 stops asking for global QoS on RabbitMQ 4.0 and later; RabbitMQ 4.3.0 denies global QoS by default and silently downgrades it to per-consumer, so there the consumer works.

Reported where the project declares a quorum queue (\`queue_arguments={'x-queue-type': 'quorum'}\`, \`task_default_queue_type = 'quorum'\`, \`create_missing_queue_type = 'quorum'\`), when the Celery pin allows only releases before 5.5 or the setting is off, unless every RabbitMQ image of the project is 4.3 or later.`,
    fix: 'Upgrade to Celery 5.5+ and leave `worker_detect_quorum_queues` at its default (True); note that with it prefetch is static (autoscale and prefetch reduction stop adjusting it).',
    examples: {
      bad: "# requirements.txt: celery==5.4.0\nfrom kombu import Queue\ntask_queues = [Queue('tasks', queue_arguments={'x-queue-type': 'quorum'})]",
      good: "# requirements.txt: celery==5.5.3\nfrom kombu import Queue\ntask_queues = [Queue('tasks', queue_arguments={'x-queue-type': 'quorum'})]",
    },
    sources: [
      { title: 'consume/3 with an active limiter on a quorum queue: global_qos_not_supported_for_queue_type', ref: 'rabbitmq-server@v3.13.7:deps/rabbit/src/rabbit_quorum_queue.erl' },
      { title: 'handle_method basic.consume: global_qos_not_supported_for_queue_type → not_implemented "~ts does not support global qos"', ref: 'rabbitmq-server@v3.13.7:deps/rabbit/src/rabbit_channel.erl' },
      { title: 'consume/3: "~ts does not support global qos" (not_implemented)', ref: 'rabbitmq-server@v4.2.0:deps/rabbit/src/rabbit_quorum_queue.erl' },
      { title: 'Executed: a quorum queue consumed by Celery 5.3.6, 5.6.3, 5.7.0 (detection on/off) on RabbitMQ 3.10.8', ref: 'docs/evidence/rabbitmq-quorum-celery.txt' },
      { title: 'global_qos deprecated feature denied_by_default; basic.qos global=true handled as global=false', ref: 'rabbitmq-server@v4.3.0:deps/rabbit/src/rabbit_channel.erl' },
      { title: 'Tasks.start: qos_global = not qos_semantics_matches_spec (no quorum detection)', ref: 'celery@v5.4.0:celery/worker/consumer/tasks.py' },
      { title: 'Tasks.qos_global: worker_detect_quorum_queues turns global QoS off for x-queue-type quorum', ref: 'celery@v5.5.0:celery/worker/consumer/tasks.py' },
      { title: 'worker_detect_quorum_queues default True; task_default_queue_type', ref: 'celery@v5.5.0:celery/app/defaults.py' },
      { title: 'qos_semantics_matches_spec: RabbitMQ >= 3.3 → False', ref: 'kombu@v5.6.0:kombu/transport/pyamqp.py' },
      { title: 'Read from the released sources and wheels (kombu 5.7.0: version < (3, 3) or version >= (4, 0))', ref: 'docs/evidence/rabbitmq-4-celery-queues.txt' },
    ],
  },
  check(ctx) {
    if (!mayUseRabbit(ctx.model, ctx.knowledge)) return;
    const servers = rabbitServers(ctx.model);
    // RabbitMQ 4.3+ downgrades global QoS to per-consumer: nothing fails there
    if (servers.length > 0 && servers.every((s) => rabbitAtLeast(s, '4.3') === true)) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const declarations: { loc: Location; how: string }[] = quorumQueueArguments(ctx.model);
    for (const name of ['task_default_queue_type', 'create_missing_queue_type']) {
      for (const s of settings) if (s.newName === name && asString(s.assignment.value) === 'quorum') declarations.push({ loc: s.assignment.keyLoc, how: `\`${s.assignment.name} = 'quorum'\`` });
    }
    if (declarations.length === 0) return;
    const range = celeryRange(ctx.model, ctx.knowledge);
    const detect = settingState(ctx.model, ctx.knowledge, 'worker_detect_quorum_queues', {}, settings);
    const detectOff = detect.state === 'known' && asBool(detect.value.assignment.value) === false;
    let why: string;
    let loc: Location;
    if (range && compareVersions(range.max, '5.5.0') < 0) {
      // before 5.5 only queue_arguments make a quorum queue (task_default_queue_type does not exist)
      const args = declarations.filter((d) => d.how.startsWith('`\'x-queue-type'));
      if (args.length === 0) return;
      loc = args[0]!.loc;
      why = `Celery ${range.min === range.max ? range.max : `${range.min}–${range.max}`} (${range.source}) has no quorum-queue detection and always asks RabbitMQ for global QoS`;
    } else if (detectOff) {
      loc = detect.value.assignment.keyLoc;
      why = '`worker_detect_quorum_queues = False` keeps global QoS on';
    } else return;
    const kombu = detectPackageVersion(ctx.model, 'kombu');
    const newKombu = kombu ? compareVersions(kombu.version, '5.7.0') >= 0 : null;
    const known = servers.filter((s) => s.version);
    const old = known.find((s) => rabbitAtLeast(s, '4.0') === false);
    const mid = known.find((s) => rabbitAtLeast(s, '4.0') === true && rabbitAtLeast(s, '4.3') === false);
    let broker: string;
    let sev: { severity?: 'warning'; confidence?: 'low' } = {};
    if (old) broker = `on ${describeRabbit(old)}`;
    else if (mid && newKombu === false) broker = `on ${describeRabbit(mid)} with kombu ${kombu!.version}`;
    else if (mid && newKombu === true) return;
    else {
      broker = mid ? `on ${describeRabbit(mid)} when kombu is older than 5.7.0` : 'on RabbitMQ 3.x (and 4.0–4.2 with kombu older than 5.7.0)';
      sev = { severity: 'warning', confidence: 'low' };
    }
    const what = declarations.map((d) => d.how).filter((h, i, a) => a.indexOf(h) === i).join(', ');
    ctx.report({ loc, ...sev, message: `quorum queues (${what}) with global QoS: ${why}; ${broker} the broker refuses the consumer ("does not support global qos") and the worker never consumes from them`, hint: 'upgrade to Celery 5.5+ with worker_detect_quorum_queues left True' });
  },
};
