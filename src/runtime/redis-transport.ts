// CeleryTransport over Redis (kombu's Redis transport + Celery's Redis result backend), with ioredis.
// Key and channel names verified against kombu 5.3.x/5.7.0 (transport/redis.py keyprefix_fanout
// '/{db}.', pidbox.py exchange_fmt '%s.pidbox', reply_exchange_fmt 'reply.%s.pidbox') and
// Sources: celery@v5.6.3:celery/app/amqp.py (as_task_v2), kombu@v5.6.2:kombu/transport/redis.py, docs/userguide/protocol.rst.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { buildEnvelope, buildTaskMessage, decodeEnvelopeBody, priorityQueueKey, type TaskCall, type TaskResult } from './protocol.js';
import { RedisResultReader, redisClient as connect } from './redis-results.js';
import { type CallOptions, type CeleryTransport, type ControlOptions, type ControlReplies, type PublishOptions } from './transport.js';
import { UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

const SEP = '\x06\x16';

export interface RedisTransportOptions {
  brokerUrl: string;
  /** Redis result backend URL (may be the broker URL) */
  backendUrl: string;
  /** connect timeout; an unreachable broker becomes an UnavailableError (exit 3) */
  connectTimeoutMs?: number;
  /** delete each result key after reading it (jobctl's own results only) */
  deleteResults?: boolean;
}

function dbOf(url: string): number {
  const m = /^[a-z+]+:\/\/[^/]*\/(\d+)/i.exec(url);
  return m ? Number(m[1]) : 0;
}

export class RedisCeleryTransport implements CeleryTransport {
  private readonly broker: Redis;
  private readonly backend: Redis;
  private readonly sub: Redis;
  private readonly db: number;
  private readonly results: RedisResultReader;
  /** ids of every task this transport published: their result keys are jobctl's own */
  private readonly published = new Set<string>();

  private constructor(opts: RedisTransportOptions) {
    const t = opts.connectTimeoutMs ?? 3000;
    this.broker = connect(opts.brokerUrl, t);
    this.backend = connect(opts.backendUrl, t);
    this.sub = connect(opts.backendUrl, t);
    this.db = dbOf(opts.brokerUrl);
    this.results = new RedisResultReader(this.backend, this.sub, opts.deleteResults ?? true);
  }

  static async open(opts: RedisTransportOptions): Promise<RedisCeleryTransport> {
    const t = new RedisCeleryTransport(opts);
    try {
      await Promise.all([t.broker.connect(), t.backend.connect(), t.sub.connect()]);
      await t.broker.ping();
    } catch (err) {
      await t.close();
      throw new UnavailableError(`broker ${maskUrlCredentials(opts.brokerUrl)} is not reachable (${(err as Error).message}); start it or pass a reachable --broker`, { cause: err });
    }
    // One PSUBSCRIBE for every result: Redis pub/sub ignores the DB number (protocol.md §3).
    await t.results.subscribe();
    return t;
  }

  async publish(call: TaskCall, opts: PublishOptions): Promise<string> {
    const msg = buildTaskMessage(call);
    this.published.add(msg.id);
    const env = buildEnvelope({ headers: { ...msg.headers }, body: msg.body, exchange: '', routingKey: opts.queue, priority: call.priority ?? 0, correlationId: msg.id, replyTo: '' });
    await this.broker.lpush(priorityQueueKey(opts.queue, call.priority ?? 0), JSON.stringify(env));
    return msg.id;
  }

  async call(call: TaskCall, opts: CallOptions): Promise<{ id: string; result: TaskResult | null; elapsedMs: number }> {
    const id = call.id ?? randomUUID();
    const started = performance.now();
    const pending = this.waitResult(id, opts.timeoutMs);
    await this.publish({ ...call, id }, opts);
    const result = await pending;
    return { id, result, elapsedMs: performance.now() - started };
  }

  waitResult(id: string, timeoutMs: number): Promise<TaskResult | null> {
    return this.results.waitResult(id, timeoutMs);
  }

  async control(method: string, args: Record<string, unknown>, opts: ControlOptions): Promise<ControlReplies> {
    // kombu pidbox: requests on the fanout exchange 'celery.pidbox' (Redis: PUBLISH '/<db>.celery.pidbox'),
    // replies on the direct exchange 'reply.celery.pidbox', queue '<oid>.reply.celery.pidbox'.
    const oid = randomUUID();
    const ticket = randomUUID();
    const replyQueue = `${oid}.reply.celery.pidbox`;
    const binding = `${oid}${SEP}${SEP}${replyQueue}`;
    const blocking = this.broker.duplicate();
    blocking.on('error', () => undefined);
    const replies: ControlReplies = {};
    try {
      // without this binding the worker's reply is dropped silently (kombu virtual _lookup)
      await this.broker.sadd('_kombu.binding.reply.celery.pidbox', binding);
      const body = { method, arguments: args, destination: opts.destination, pattern: null, matcher: null, ticket, reply_to: { exchange: 'reply.celery.pidbox', routing_key: oid } };
      const env = buildEnvelope({ headers: { clock: 1, expires: Date.now() / 1000 + opts.timeoutMs / 1000 }, body, exchange: 'celery.pidbox', routingKey: '' });
      await this.broker.publish(`/${this.db}.celery.pidbox`, JSON.stringify(env));
      const deadline = Date.now() + opts.timeoutMs;
      const want = opts.destination?.length ?? Infinity;
      while (Date.now() < deadline && Object.keys(replies).length < want) {
        const left = Math.max(0.05, (deadline - Date.now()) / 1000);
        const popped = await blocking.brpop(replyQueue, left.toFixed(2));
        if (!popped) break;
        try {
          const env2 = JSON.parse(popped[1]) as { headers?: { ticket?: string }; body: string; properties?: { body_encoding?: string } };
          if (env2.headers?.ticket !== ticket) continue;
          Object.assign(replies, decodeEnvelopeBody(env2) as ControlReplies);
        } catch { /* not a pidbox reply */ }
      }
    } finally {
      await this.broker.srem('_kombu.binding.reply.celery.pidbox', binding).catch(() => undefined);
      await this.broker.del(replyQueue).catch(() => undefined);
      blocking.disconnect();
    }
    return replies;
  }

  /** Remove the queue jobctl created on a broker it does not own: the list (and its priority
   * lists), its binding-set members, and unacked entries routed to it. Nothing else is touched. */
  async deleteOwnQueue(queue: string, nodename?: string): Promise<void> {
    if (!queue.startsWith('jobctl.')) throw new Error(`refusing to delete ${queue}: not a jobctl queue`);
    await this.broker.del(queue, ...[3, 6, 9].map((p) => `${queue}${SEP}${p}`), `_kombu.binding.${queue}`, `_kombu.binding_permanent.${queue}`);
    // the results of the tasks jobctl sent (a timed-out or revoked probe leaves one behind), by id
    await this.results.deleteResultsOf([...this.published]);
    if (nodename) await this.broker.srem('_kombu.binding.celery.pidbox', `${SEP}${SEP}${nodename}.celery.pidbox`);
    let cursor = '0';
    do {
      const [next, keys] = await this.broker.scan(cursor, 'MATCH', '_kombu.binding.*', 'COUNT', 200);
      cursor = next;
      for (const key of keys) {
        const members = await this.broker.smembers(key);
        const ours = members.filter((m) => m.endsWith(`${SEP}${queue}`));
        if (ours.length) await this.broker.srem(key, ...ours);
      }
    } while (cursor !== '0');
    let hcursor = '0';
    do {
      const [next, flat] = await this.broker.hscan('unacked', hcursor, 'COUNT', 200);
      hcursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        try {
          const entry = JSON.parse(flat[i + 1]!) as [unknown, string, string];
          if (entry[2] === queue) {
            await this.broker.hdel('unacked', flat[i]!);
            await this.broker.zrem('unacked_index', flat[i]!);
          }
        } catch { /* not kombu's format */ }
      }
    } while (hcursor !== '0');
  }

  async close(): Promise<void> {
    await this.results.close();
    for (const c of [this.broker, this.backend, this.sub]) c.disconnect();
  }
}
