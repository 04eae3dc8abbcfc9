// Celery's own task events (task-received/started/succeeded/failed), received over the broker.
//
// How they travel on Redis (read at the tags the runtime supports, checked against real workers):
// - Celery publishes events on the exchange 'celeryev' with the event type as routing key, '-'
//   replaced by '.' (celery@v5.7.0 celery/events/dispatcher.py `routing_key=type.replace('-', '.')`);
//   on Redis the exchange is switched from topic to fanout (celery/events/event.py get_exchange).
// - kombu's Redis transport implements a fanout exchange with PUBLISH on the channel
//   '/{db}.' + exchange + '/' + routing_key (kombu@v5.7.0 kombu/transport/redis.py keyprefix_fanout,
//   _get_publish_topic with fanout_patterns=True, the default since kombu 4; without patterns the
//   channel is '/{db}.celeryev'). The payload is kombu's JSON envelope; its body is the event, or a
//   list of events when the worker buffers task events (routing key 'task.multi', dispatcher.flush).
// - A subscriber creates nothing on the broker: no queue, no key, no binding. There is nothing of
//   the receiver's to delete afterwards (a RabbitMQ receiver would declare an auto-delete queue).
// Each event carries the worker's node name and its own wall-clock `timestamp` (seconds, the
// worker host's clock) and `utcoffset`; succeeded carries `runtime` measured inside the worker.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeEnvelopeBody } from './protocol.js';
import { connectAmqp } from './amqp-transport.js';

export type TaskEventType = 'task-received' | 'task-started' | 'task-succeeded' | 'task-failed' | 'task-retried' | 'task-rejected' | 'task-revoked';

export interface TaskEvent {
  type: TaskEventType | string;
  uuid: string;
  /** worker node name, e.g. 'celery@pod-7' */
  hostname: string;
  /** seconds since the epoch, on the worker's clock */
  timestamp: number;
  /** the process that sent it (the worker's main process under prefork) */
  pid: number | null;
  /** task-succeeded: seconds the task body ran, measured in the pool process */
  runtime?: number;
  /** task-failed: the exception repr */
  exception?: string;
  /** producer wall-clock ms when jobctl heard the event */
  heardAtMs: number;
}

/** Receives task events for the run; close() ends the subscription (nothing to delete on Redis). */
export interface EventReceiver {
  close(): Promise<void>;
  /** events heard so far */
  readonly count: number;
}

function dbOf(url: string): number {
  const m = /^[a-z+]+:\/\/[^/]*\/(\d+)/i.exec(url);
  return m ? Number(m[1]) : 0;
}

/** The task events in one fanout payload (a kombu envelope holding one event or a list of them). */
export function decodeEventPayload(message: string, heardAtMs: number): TaskEvent[] {
  let env: unknown;
  try { env = JSON.parse(message); } catch { return []; }
  let body: unknown;
  try { body = decodeEnvelopeBody(env as { body: string; properties?: { body_encoding?: string } }); } catch { return []; }
  return toTaskEvents(body, heardAtMs);
}

/** One event or a list of them (task.multi), as Celery serialised them; anything else is dropped. */
export function toTaskEvents(body: unknown, heardAtMs: number): TaskEvent[] {
  const list = Array.isArray(body) ? body : [body];
  const out: TaskEvent[] = [];
  for (const e of list) {
    if (!e || typeof e !== 'object') continue;
    const ev = e as Record<string, unknown>;
    if (typeof ev.type !== 'string' || !ev.type.startsWith('task-') || typeof ev.uuid !== 'string' || typeof ev.hostname !== 'string' || typeof ev.timestamp !== 'number') continue;
    out.push({
      type: ev.type,
      uuid: ev.uuid,
      hostname: ev.hostname,
      timestamp: ev.timestamp,
      pid: typeof ev.pid === 'number' ? ev.pid : null,
      ...(typeof ev.runtime === 'number' ? { runtime: ev.runtime } : {}),
      ...(typeof ev.exception === 'string' ? { exception: ev.exception } : {}),
      heardAtMs,
    });
  }
  return out;
}

/** Subscribe to task events on a Redis broker (kombu's default fanout prefix and patterns). */
export async function openRedisEventReceiver(brokerUrl: string, onEvent: (e: TaskEvent) => void): Promise<EventReceiver> {
  const sub = new Redis(brokerUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  sub.on('error', () => undefined);
  await sub.connect();
  const db = dbOf(brokerUrl);
  let count = 0;
  let closed = false;
  const handle = (message: string): void => {
    if (closed) return;
    const at = performance.timeOrigin + performance.now();
    for (const e of decodeEventPayload(message, at)) { count++; onEvent(e); }
  };
  sub.on('pmessage', (_p: string, _channel: string, message: string) => handle(message));
  sub.on('message', (_channel: string, message: string) => handle(message));
  // with fanout_patterns (default) the routing key is part of the channel; without, it is not
  await sub.psubscribe(`/${db}.celeryev/task.*`);
  await sub.subscribe(`/${db}.celeryev`);
  return {
    get count() { return count; },
    async close() {
      closed = true;
      // closing the connection ends both subscriptions (an explicit PUNSUBSCRIBE + UNSUBSCRIBE pair
      // can wait forever on ioredis' reply accounting)
      sub.disconnect();
    },
  };
}

export const EVENT_EXCHANGE = 'celeryev';

/**
 * Task events on RabbitMQ: Celery's 'celeryev' is a topic exchange there (celery/events/event.py);
 * jobctl binds a queue of its own, `jobctl.events.<uuid>` (exclusive, auto-delete, non-durable:
 * RabbitMQ removes it with jobctl's connection even after a crash), with the key 'task.#', and
 * deletes it by name when done. The exchange is Celery's: when it does not exist yet (no worker has
 * sent an event) jobctl declares it exactly as kombu does (topic, durable) and leaves it, because
 * the workers publish to it.
 */
export async function openAmqpEventReceiver(brokerUrl: string, onEvent: (e: TaskEvent) => void): Promise<EventReceiver & { queue: string; createdExchange: boolean }> {
  const conn = await connectAmqp(brokerUrl, 3000);
  const queue = `jobctl.events.${randomUUID()}`;
  let count = 0;
  let closed = false;
  let createdExchange = false;
  const check = await conn.createChannel();
  check.on('error', () => undefined);
  try {
    await check.checkExchange(EVENT_EXCHANGE);
  } catch {
    createdExchange = true;
  } finally {
    await check.close().catch(() => undefined);
  }
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  if (createdExchange) await ch.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true, autoDelete: false });
  await ch.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
  await ch.bindQueue(queue, EVENT_EXCHANGE, 'task.#');
  await ch.consume(queue, (m) => {
    if (!m || closed) return;
    const at = performance.timeOrigin + performance.now();
    let body: unknown;
    try { body = JSON.parse(m.content.toString('utf8')); } catch { return; }
    for (const e of toTaskEvents(body, at)) { count++; onEvent(e); }
  }, { noAck: true });
  return {
    queue,
    createdExchange,
    get count() { return count; },
    async close() {
      closed = true;
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}
