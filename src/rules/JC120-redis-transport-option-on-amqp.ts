import type { Rule } from './types.js';
import { escapeRe } from '../model/integrations/text.js';
import { tokenAt } from './lib/source.js';
import { effectiveSettings } from './lib/settings.js';
import { brokerUrls } from './lib/broker.js';
import { usesAmqpBroker } from './lib/rabbitmq.js';

/**
 * Keys only kombu's Redis transport reads (kombu/transport/redis.py Channel.from_transport_options, less what the
 * virtual base reads, plus the Sentinel keys of SentinelChannel). The AMQP transport (pyamqp) passes the whole
 * dict to amqp.Connection(**opts), which swallows unknown keywords: these are silently ignored there.
 */
const REDIS_ONLY: Record<string, string> = {
  visibility_timeout: "RabbitMQ has no visibility timeout: an unacknowledged delivery stays with its consumer until the connection closes or the server's `consumer_timeout` (default 30 min) expires",
  sep: '',
  ack_emulation: '',
  unacked_key: '',
  unacked_index_key: '',
  unacked_mutex_key: '',
  unacked_mutex_expire: '',
  unacked_restore_limit: '',
  unacked_restore_interval: '',
  unacked_restore_throttle: '',
  fanout_prefix: '',
  fanout_patterns: '',
  global_keyprefix: '',
  socket_timeout: '',
  socket_connect_timeout: 'for AMQP the connect timeout is `broker_connection_timeout`',
  socket_keepalive: '',
  socket_keepalive_options: '',
  queue_order_strategy: '',
  max_connections: 'for AMQP the connection pool size is `broker_pool_limit`',
  health_check_interval: 'for AMQP the liveness check is `broker_heartbeat`',
  retry_on_timeout: '',
  priority_steps: 'RabbitMQ priorities come from the queue argument `x-max-priority` (`task_queue_max_priority`)',
  client_name: '',
  master_name: '',
  sentinel_kwargs: '',
};

export const rule: Rule = {
  meta: {
    id: 'JC120',
    name: 'redis-transport-option-on-amqp',
    band: 'settings',
    severity: 'warning',
    confidence: 'high',
    title: 'broker_transport_options key that only the Redis transport reads, with an amqp:// (RabbitMQ) broker: silently ignored',
    description: `kombu's Redis transport reads a fixed list of \`broker_transport_options\` keys (\`Channel.from_transport_options\` in kombu/transport/redis.py: \`visibility_timeout\`, \`sep\`, \`queue_order_strategy\`, \`priority_steps\`, \`global_keyprefix\`, \`fanout_prefix\`, \`socket_timeout\`, \`max_connections\`, \`health_check_interval\`, …; \`master_name\` for Sentinel). The AMQP transport (\`pyamqp\`) passes the whole dict on to \`amqp.Connection(**opts)\`, whose \`**kwargs\` swallows names it does not know — no error, no warning, no effect. With a RabbitMQ broker these keys do nothing, and the behaviour they were meant to buy (a longer \`visibility_timeout\` for long ETA tasks, priority steps) is not there. Reported only when every broker URL the project sets is amqp://.`,
    fix: 'Remove the key, or use the AMQP equivalent: RabbitMQ\'s `consumer_timeout` (server side) instead of visibility_timeout, `x-max-priority` / `task_queue_max_priority` instead of priority_steps, `broker_pool_limit`, `broker_heartbeat`, `broker_connection_timeout`. Keep it only if the same config also serves a Redis broker.',
    examples: {
      bad: "broker_url = 'amqp://guest@rabbitmq//'\nbroker_transport_options = {'visibility_timeout': 43200}",
      good: "broker_url = 'amqp://guest@rabbitmq//'\nbroker_transport_options = {'confirm_publish': True}",
    },
    sources: [
      { title: 'Channel.from_transport_options (the Redis-only keys)', ref: 'kombu@v5.6.0:kombu/transport/redis.py' },
      { title: 'Transport.establish_connection: dict(..., **conninfo.transport_options) → self.Connection(**opts)', ref: 'kombu@v5.6.0:kombu/transport/pyamqp.py' },
      { title: 'amqp.Connection.__init__(…, **kwargs): unknown keywords accepted and never read (amqp 5.4.2 wheel, amqp/connection.py)', ref: 'https://pypi.org/project/amqp/5.4.2/' },
      { title: 'consumer_timeout default 1800000 ms', ref: 'rabbitmq-server@v4.3.0:deps/rabbit/Makefile' },
      { title: 'Executed: kombu pyamqp with Redis-only transport options (Celery 5.6.3 and 5.7.0 venvs)', ref: 'docs/evidence/redis-transport-options-on-amqp.txt' },
    ],
  },
  check(ctx) {
    if (!usesAmqpBroker(ctx.model, ctx.knowledge)) return;
    // every broker URL with a scheme is AMQP (no SQS, no second broker the options could be meant for)
    if (brokerUrls(ctx.model, ctx.knowledge).some((u) => /^[a-z][\w+.-]*:\/\//i.test(u.trim()) && !/^(amqp|amqps|pyamqp|librabbitmq):\/\//i.test(u.trim()))) return;
    for (const s of effectiveSettings(ctx.model, ctx.knowledge)) {
      if (s.newName !== 'broker_transport_options' || s.assignment.value.kind !== 'dict') continue;
      for (const e of s.assignment.value.entries) {
        if (e.key.kind !== 'str' || !(e.key.value in REDIS_ONLY)) continue;
        const key = e.key.value;
        const note = REDIS_ONLY[key];
        ctx.report({
          // the line of `'key'` inside the dict
          loc: tokenAt(ctx.model, s.assignment.keyLoc, new RegExp(`['"]${escapeRe(key)}['"]\\s*:|\\b${escapeRe(key)}\\s*=`), s.assignment.loc.endLine ?? s.assignment.loc.line),
          key: `${s.assignment.name}:${key}`,
          message: `\`${key}\` in ${s.assignment.name} is read only by kombu's Redis transport; the broker is amqp:// (RabbitMQ), so it is ignored${note ? `. ${note.charAt(0).toUpperCase()}${note.slice(1)}` : ''}`,
          hint: note ? `remove it; ${note}` : 'remove it',
        });
      }
    }
  },
};
