// CeleryTransport over AMQP 0-9-1 (RabbitMQ), with amqplib: the same protocol-v2 task message as
// the Redis path (protocol.ts buildTaskMessage), carried as a real AMQP message instead of kombu's
// virtual-transport envelope: headers = the task headers, body = JSON [args, kwargs, embed],
// content_type application/json, correlation_id = task id, delivery_mode 2 (what py-amqp sends:
// celery@v5.6.3 celery/app/amqp.py as_task_v2 + kombu@v5.6.2 kombu/messaging.py Producer._publish).
// Tasks go to the default exchange '' with the queue name as routing key (every queue is bound to
// it); Celery publishes to the queue's own direct exchange, which routes the same way.
//
// Results come through the configured backend:
// - Redis result backend (RedisResultReader, shared with the Redis transport);
// - RPC backend (`rpc://`): the worker publishes each state to the default exchange with routing key
//   = the message's reply_to and correlation_id = the task id (celery@v5.6.3 celery/backends/rpc.py
//   store_result/destination_for). jobctl's reply queue is exclusive and auto-deleted: it goes away
//   with the connection.
//
// Remote control is kombu's pidbox: requests on the fanout exchange `celery.pidbox`, replies on the
// direct exchange `reply.celery.pidbox` with routing key = jobctl's oid, into a queue
// `<oid>.reply.celery.pidbox` (kombu@v5.7.0 kombu/pidbox.py get_reply_queue, _get_exchange,
// _get_reply_exchange: durable=False, auto_delete=False for both exchanges).
//
// What jobctl declares is deleted at the end: its reply queues (exclusive), its task queue and the
// queue's exchange (by name, `jobctl*` only), and Celery's shared exchanges/queues only when they
// did not exist before the run (see SharedObjects).
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type Options } from 'amqplib';
import { buildTaskMessage, type TaskCall, type TaskResult } from './protocol.js';
import { RedisResultReader, redisClient } from './redis-results.js';
import { FINAL_STATES, type CallOptions, type CeleryTransport, type ControlOptions, type ControlReplies, type PublishOptions } from './transport.js';
import { UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import type { Redis } from 'ioredis';

export type ResultBackendSpec = { kind: 'redis'; url: string } | { kind: 'rpc' };

export interface AmqpTransportOptions {
  /** amqp://user:password@host:port/vhost */
  brokerUrl: string;
  backend: ResultBackendSpec;
  connectTimeoutMs?: number;
  /** delete each Redis result key after reading it (jobctl's own results only) */
  deleteResults?: boolean;
}

export const PIDBOX_EXCHANGE = 'celery.pidbox';
export const PIDBOX_REPLY_EXCHANGE = 'reply.celery.pidbox';

/** amqplib's error for a refused login, an unknown vhost, a refused connection: one readable line */
export function describeAmqpError(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  if (/ACCESS_REFUSED|403|PLAIN login refused|username or password/i.test(msg)) return 'authentication failed (the broker answered but refused the user or password)';
  if (/NOT_ALLOWED|vhost/i.test(msg)) return `the virtual host is not accessible (${msg.slice(0, 160)})`;
  return msg.slice(0, 200);
}

export async function connectAmqp(url: string, timeoutMs: number): Promise<ChannelModel> {
  try {
    const conn = await amqp.connect(url, { timeout: timeoutMs, clientProperties: { connection_name: `jobctl ${process.pid}` } });
    conn.on('error', () => { /* surfaced through channel operations */ });
    return conn;
  } catch (err) {
    throw new UnavailableError(`broker ${maskUrlCredentials(url)}: ${describeAmqpError(err)}; start it or pass a reachable --broker`, { cause: err });
  }
}

/** Protocol-v2 task message as AMQP content + properties (what py-amqp puts on the wire). */
export function amqpTaskMessage(call: TaskCall, replyTo: string | null): { id: string; content: Buffer; options: Options.Publish } {
  const msg = buildTaskMessage(call);
  return {
    id: msg.id,
    content: Buffer.from(JSON.stringify(msg.body), 'utf8'),
    options: {
      headers: msg.headers,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: msg.id,
      deliveryMode: 2,
      priority: call.priority ?? 0,
      ...(replyTo ? { replyTo } : {}),
    },
  };
}

/** The publishing half alone (load-test's hot path): one channel, flow control on 'drain'. */
export class AmqpPublisher {
  private lostError: Error | null = null;
  private closing = false;
  private constructor(private readonly conn: ChannelModel, private readonly ch: Channel) {}

  static async open(url: string, onLost?: (err: Error) => void): Promise<AmqpPublisher> {
    const conn = await connectAmqp(url, 3000);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const p = new AmqpPublisher(conn, ch);
    conn.on('close', (err?: Error) => {
      if (p.closing) return;
      p.lostError = err ?? new Error('connection closed');
      onLost?.(p.lostError);
    });
    return p;
  }

  get lost(): Error | null { return this.lostError; }

  /** Publish to the default exchange with the queue name as routing key; resolves once written. */
  async publish(call: TaskCall, queue: string, replyTo: string | null = null): Promise<string> {
    if (this.lostError) throw this.lostError;
    const m = amqpTaskMessage(call, replyTo);
    if (!this.ch.publish('', queue, m.content, m.options)) await new Promise((r) => this.ch.once('drain', r));
    return m.id;
  }

  /** Messages ready in a queue (null when it does not exist or the broker is gone). */
  async queueDepth(queue: string): Promise<number | null> {
    if (this.lostError) return null;
    const ch = await this.conn.createChannel().catch(() => null);
    if (!ch) return null;
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } catch {
      return null;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Delete jobctl's own queue and the direct exchange of the same name the worker declared for it. */
  async deleteOwnQueue(queue: string): Promise<void> {
    if (!queue.startsWith('jobctl')) throw new Error(`refusing to delete ${queue}: not a jobctl queue`);
    const ch = await this.conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await ch.deleteQueue(queue);
      await ch.deleteExchange(queue);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  channelModel(): ChannelModel { return this.conn; }

  async close(): Promise<void> {
    this.closing = true;
    await this.conn.close().catch(() => undefined);
  }
}

export class AmqpCeleryTransport implements CeleryTransport {
  private ch!: Channel;
  private pub!: AmqpPublisher;
  private redis: { backend: Redis; sub: Redis; reader: RedisResultReader } | null = null;
  /** rpc backend: jobctl's reply queue, and waiters/early results by task id */
  private replyQueue: string | null = null;
  private readonly rpcWaiters = new Map<string, (r: TaskResult) => void>();
  private readonly rpcEarly = new Map<string, TaskResult>();
  private readonly published = new Set<string>();
  private closed = false;
  /** set when the connection closes without close() (the broker went away) */
  lost: Error | null = null;

  private constructor(private readonly conn: ChannelModel, private readonly opts: AmqpTransportOptions) {}

  static async open(opts: AmqpTransportOptions): Promise<AmqpCeleryTransport> {
    const timeout = opts.connectTimeoutMs ?? 3000;
    let t: AmqpCeleryTransport | null = null;
    const pub = await AmqpPublisher.open(opts.brokerUrl, (err) => { if (t && !t.closed) t.lost = err; });
    t = new AmqpCeleryTransport(pub.channelModel(), opts);
    t.pub = pub;
    const conn = pub.channelModel();
    try {
      t.ch = await conn.createChannel();
      t.ch.on('error', () => undefined);
      if (opts.backend.kind === 'redis') {
        const backend = redisClient(opts.backend.url, timeout);
        const sub = redisClient(opts.backend.url, timeout);
        t.redis = { backend, sub, reader: new RedisResultReader(backend, sub, opts.deleteResults ?? true) };
        await Promise.all([backend.connect(), sub.connect()]);
        await t.redis.reader.subscribe();
      } else {
        const q = await t.ch.assertQueue(`jobctl.reply.${randomUUID()}`, { exclusive: true, autoDelete: true, durable: false });
        t.replyQueue = q.queue;
        await t.ch.consume(q.queue, (m) => { if (m) t.onRpcReply(m); }, { noAck: true });
      }
    } catch (err) {
      await t.close();
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError(`result backend for ${maskUrlCredentials(opts.brokerUrl)} is not reachable (${(err as Error).message})`, { cause: err });
    }
    return t;
  }

  get brokerUrl(): string { return this.opts.brokerUrl; }

  private onRpcReply(m: ConsumeMessage): void {
    let r: TaskResult;
    try { r = JSON.parse(m.content.toString('utf8')) as TaskResult; } catch { return; }
    const id = m.properties.correlationId ?? r.task_id;
    if (!id || !FINAL_STATES.has(r.status)) return;
    const w = this.rpcWaiters.get(id);
    if (w) w(r);
    else if (this.published.has(id)) this.rpcEarly.set(id, r);
  }

  async publish(call: TaskCall, opts: PublishOptions): Promise<string> {
    const id = call.id ?? randomUUID();
    this.published.add(id);
    return this.pub.publish({ ...call, id }, opts.queue, this.replyQueue);
  }

  async call(call: TaskCall, opts: CallOptions): Promise<{ id: string; result: TaskResult | null; elapsedMs: number }> {
    const id = call.id ?? randomUUID();
    const started = performance.now();
    this.published.add(id);
    const pending = this.waitResult(id, opts.timeoutMs);
    await this.publish({ ...call, id }, opts);
    const result = await pending;
    return { id, result, elapsedMs: performance.now() - started };
  }

  waitResult(id: string, timeoutMs: number): Promise<TaskResult | null> {
    if (this.redis) return this.redis.reader.waitResult(id, timeoutMs);
    const early = this.rpcEarly.get(id);
    if (early) { this.rpcEarly.delete(id); return Promise.resolve(early); }
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.rpcWaiters.delete(id); resolve(null); }, timeoutMs);
      this.rpcWaiters.set(id, (r) => { clearTimeout(timer); this.rpcWaiters.delete(id); resolve(r); });
    });
  }

  async control(method: string, args: Record<string, unknown>, opts: ControlOptions): Promise<ControlReplies> {
    const oid = randomUUID();
    const ticket = randomUUID();
    const replies: ControlReplies = {};
    const ch = await this.conn.createChannel();
    ch.on('error', () => undefined);
    try {
      // the same attributes kombu declares them with: a different `durable` would be refused (406)
      await ch.assertExchange(PIDBOX_EXCHANGE, 'fanout', { durable: false, autoDelete: false });
      await ch.assertExchange(PIDBOX_REPLY_EXCHANGE, 'direct', { durable: false, autoDelete: false });
      const q = await ch.assertQueue(`${oid}.${PIDBOX_REPLY_EXCHANGE}`, { durable: false, autoDelete: true, exclusive: true });
      await ch.bindQueue(q.queue, PIDBOX_REPLY_EXCHANGE, oid);
      const want = opts.destination?.length ?? Infinity;
      let done: () => void = () => undefined;
      const finished = new Promise<void>((r) => { done = r; });
      await ch.consume(q.queue, (m) => {
        if (!m || String(m.properties.headers?.ticket ?? '') !== ticket) return;
        try { Object.assign(replies, JSON.parse(m.content.toString('utf8')) as ControlReplies); } catch { return; }
        if (Object.keys(replies).length >= want) done();
      }, { noAck: true });
      const body = { method, arguments: args, destination: opts.destination, pattern: null, matcher: null, ticket, reply_to: { exchange: PIDBOX_REPLY_EXCHANGE, routing_key: oid } };
      ch.publish(PIDBOX_EXCHANGE, '', Buffer.from(JSON.stringify(body), 'utf8'), {
        contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1,
        headers: { clock: 1, expires: Date.now() / 1000 + opts.timeoutMs / 1000 },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise<void>((r) => { timer = setTimeout(r, opts.timeoutMs); })]);
      clearTimeout(timer);
    } finally {
      // the exclusive reply queue is deleted with its channel's connection; delete it now anyway
      await ch.close().catch(() => undefined);
    }
    return replies;
  }

  /** Messages waiting in a queue (null when it does not exist). */
  queueDepth(queue: string): Promise<number | null> {
    return this.pub.queueDepth(queue);
  }

  /** Delete the queue jobctl named for this run and the direct exchange of the same name the worker
   * declared for it (Celery's missing-queue default), plus jobctl's own result keys. */
  async deleteOwnQueue(queue: string): Promise<void> {
    await this.pub.deleteOwnQueue(queue);
    if (this.redis) await this.redis.reader.deleteResultsOf([...this.published]).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.rpcWaiters.values()]) w({ status: 'PENDING', result: null, traceback: null, task_id: '' });
    if (this.redis) {
      await this.redis.reader.close();
      this.redis.backend.disconnect();
      this.redis.sub.disconnect();
    }
    await this.pub.close();
  }
}

/**
 * Celery's own exchanges and queues on a vhost: shared by every worker and client of it. jobctl
 * notes which exist before a run on a broker it did not start and, afterwards, deletes only those
 * the run created (and only while nothing uses them): the pidbox exchanges, the event exchange and
 * the native delayed delivery topology a worker with quorum queues declares (Celery >= 5.5:
 * celery_delayed_0..27 exchanges and queues, celery_delayed_delivery;
 * kombu@v5.7.0 kombu/transport/native_delayed_delivery.py).
 */
export const SHARED_EXCHANGES = [PIDBOX_EXCHANGE, PIDBOX_REPLY_EXCHANGE, 'celeryev', 'celery_delayed_delivery', ...Array.from({ length: 28 }, (_, i) => `celery_delayed_${i}`)];
export const SHARED_QUEUES = Array.from({ length: 28 }, (_, i) => `celery_delayed_${i}`);

export interface SharedSnapshot {
  exchanges: Set<string>;
  queues: Set<string>;
}

async function exists(conn: ChannelModel, kind: 'queue' | 'exchange', name: string): Promise<boolean> {
  // a passive declare of a missing object closes the channel (404): one throwaway channel each
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  try {
    if (kind === 'queue') await ch.checkQueue(name);
    else await ch.checkExchange(name);
    await ch.close().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

export async function snapshotShared(url: string): Promise<SharedSnapshot> {
  const conn = await connectAmqp(url, 3000);
  try {
    const ex = await Promise.all(SHARED_EXCHANGES.map(async (n) => [n, await exists(conn, 'exchange', n)] as const));
    const qs = await Promise.all(SHARED_QUEUES.map(async (n) => [n, await exists(conn, 'queue', n)] as const));
    return { exchanges: new Set(ex.filter(([, e]) => e).map(([n]) => n)), queues: new Set(qs.filter(([, e]) => e).map(([n]) => n)) };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Delete the shared Celery objects that did not exist in `before`, if unused (and empty, for queues).
 * Returns what was deleted. */
export async function removeSharedCreatedSince(url: string, before: SharedSnapshot): Promise<string[]> {
  const conn = await connectAmqp(url, 3000);
  const removed: string[] = [];
  try {
    for (const q of SHARED_QUEUES) {
      if (before.queues.has(q) || !(await exists(conn, 'queue', q))) continue;
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      try { await ch.deleteQueue(q, { ifUnused: true, ifEmpty: true }); removed.push(`queue ${q}`); await ch.close(); } catch { /* in use: leave it */ }
    }
    for (const x of SHARED_EXCHANGES) {
      if (before.exchanges.has(x) || !(await exists(conn, 'exchange', x))) continue;
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      try { await ch.deleteExchange(x, { ifUnused: true }); removed.push(`exchange ${x}`); await ch.close(); } catch { /* in use: leave it */ }
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
  return removed;
}

/** Does the broker still accept an AMQP login (within 1.5 s)? */
export async function amqpBrokerAnswers(url: string): Promise<boolean> {
  try {
    const c = await amqp.connect(url, { timeout: 1500 });
    c.on('error', () => undefined);
    await c.close().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}
