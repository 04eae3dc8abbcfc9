// The load generator's hot path over Redis: publish protocol-v2 task messages (message builders from
// src/runtime/protocol.ts) and hear every result on ONE `PSUBSCRIBE celery-task-meta-*` connection
// plus the probe's timing channel.
//
// Why not src/runtime's RedisCeleryTransport.waitResult(): it arms a timer and a 1 s GET poll per
// task, which is right for a smoke test and wrong for 5,000 tasks in flight in an open-loop run.
// Here there is one listener for all results, and outstanding tasks are checked with one pipelined
// GET pass when the run drains (covers a PUBLISH missed while subscribing; protocol.md §9.2).
import { Redis } from 'ioredis';
import { buildEnvelope, buildTaskMessage, priorityQueueKey } from '../runtime/protocol.js';
import { AmqpPublisher } from '../runtime/amqp-transport.js';
import { producerAmqpUrl } from '../runtime/broker.js';
import { UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

const RESULT_PREFIX = 'celery-task-meta-';
const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

export interface ResultEvent {
  id: string;
  status: string;
  /** exception type for FAILURE/REVOKED (e.g. ValueError, NotRegistered, TimeLimitExceeded) */
  excType?: string;
  /** its message, e.g. "negative value: -1" (first 200 characters) */
  excMessage?: string;
  /** performance.now() when the result reached jobctl */
  at: number;
}

export interface TimingEvent {
  id: string;
  /** wall-clock ms (epoch) when the task body started / finished in the worker */
  startedWallMs: number;
  finishedWallMs: number;
  pid: number;
}

export interface LoadClientOptions {
  brokerUrl: string;
  /** 'rabbitmq': tasks are published over AMQP (results and timings still come through Redis) */
  brokerKind?: 'redis' | 'rabbitmq';
  backendUrl: string;
  /** channel the probe module publishes batches of `[id, started, finished, pid, state]` on; null = no timing */
  timingChannel: string | null;
  onResult: (e: ResultEvent) => void;
  onRetry?: (id: string) => void;
  onTiming?: (e: TimingEvent) => void;
  /** the result subscription closed unexpectedly (broker gone) */
  onConnectionLost?: () => void;
}

function connect(url: string): Redis {
  const c = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, retryStrategy: () => null, enableAutoPipelining: true });
  c.on('error', () => { /* surfaced through rejected commands */ });
  return c;
}

export function excMessageOf(result: unknown): string | undefined {
  if (!result || typeof result !== 'object' || !('exc_message' in result)) return undefined;
  const m = (result as { exc_message: unknown }).exc_message;
  const text = Array.isArray(m) ? m.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : typeof m === 'string' ? m : JSON.stringify(m);
  return text.slice(0, 200);
}

export function excTypeOf(result: unknown): string | undefined {
  if (result && typeof result === 'object' && 'exc_type' in result) return String((result as { exc_type: unknown }).exc_type);
  return undefined;
}

export class LoadClient {
  private readonly broker: Redis | null;
  private amqp: AmqpPublisher | null = null;
  private readonly backend: Redis;
  private readonly sub: Redis;
  private closing = false;

  private constructor(private readonly opts: LoadClientOptions) {
    this.broker = opts.brokerKind === 'rabbitmq' ? null : connect(opts.brokerUrl);
    this.backend = connect(opts.backendUrl);
    this.sub = connect(opts.backendUrl);
  }

  static async open(opts: LoadClientOptions): Promise<LoadClient> {
    const c = new LoadClient(opts);
    try {
      await Promise.all([c.broker?.connect(), c.backend.connect(), c.sub.connect()]);
      if (opts.brokerKind === 'rabbitmq') c.amqp = await AmqpPublisher.open(producerAmqpUrl(opts.brokerUrl), () => { if (!c.closing) opts.onConnectionLost?.(); });
    } catch (err) {
      c.close();
      throw new UnavailableError(`broker ${maskUrlCredentials(opts.brokerUrl)} is not reachable (${(err as Error).message}); start it or pass a reachable --broker`, { cause: err });
    }
    c.sub.on('pmessage', (_p: string, channel: string, message: string) => c.onMessage(channel, message));
    await c.sub.psubscribe(`${RESULT_PREFIX}*`);
    // no reconnects (retryStrategy null): 'end' after a successful open means the broker went away
    c.sub.once('end', () => { if (!c.closing) opts.onConnectionLost?.(); });
    if (opts.timingChannel) {
      c.sub.on('message', (channel: string, message: string) => { if (channel === opts.timingChannel) c.onTiming(message); });
      await c.sub.subscribe(opts.timingChannel);
    }
    return c;
  }

  private onMessage(channel: string, message: string): void {
    if (!channel.startsWith(RESULT_PREFIX)) return;
    const at = performance.now();
    let parsed: { status?: string; result?: unknown; task_id?: string };
    try { parsed = JSON.parse(message) as typeof parsed; } catch { return; }
    const id = channel.slice(RESULT_PREFIX.length);
    const status = parsed.status ?? '';
    if (status === 'RETRY') { this.opts.onRetry?.(id); return; }
    if (!FINAL.has(status)) return;
    const excType = excTypeOf(parsed.result);
    const excMessage = excType ? excMessageOf(parsed.result) : undefined;
    this.opts.onResult({ id, status, at, ...(excType ? { excType } : {}), ...(excMessage ? { excMessage } : {}) });
  }

  private onTiming(message: string): void {
    let entries: unknown;
    try { entries = JSON.parse(message); } catch { return; }
    if (!Array.isArray(entries)) return;
    // the probe batches: a list of [id, started, finished, pid, state] (a single entry is accepted too)
    const list = (typeof entries[0] === 'string' ? [entries] : entries) as unknown[];
    for (const e of list) {
      if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
      const [id, started, finished, pid] = e as [string, number, number, number];
      this.opts.onTiming?.({ id, startedWallMs: started * 1000, finishedWallMs: finished * 1000, pid });
    }
  }

  /** Publish one task (LPUSH on the queue's priority key, exchange '' as Celery does). */
  publish(id: string, task: string, args: unknown[], kwargs: Record<string, unknown>, queue: string): Promise<unknown> {
    if (this.amqp) return this.amqp.publish({ task, args, kwargs, id }, queue);
    const msg = buildTaskMessage({ task, args, kwargs, id });
    const env = buildEnvelope({ headers: { ...msg.headers }, body: msg.body, exchange: '', routingKey: queue, priority: 0, correlationId: id, replyTo: '' });
    return this.broker!.lpush(priorityQueueKey(queue, 0), JSON.stringify(env));
  }

  /** Delete one of jobctl's own result keys (on a broker jobctl did not start, results are not left behind). */
  deleteResult(id: string): void {
    this.backend.del(`${RESULT_PREFIX}${id}`).catch(() => undefined);
  }

  /** LLEN of the queue and its priority sub-queues (kombu PRIORITY_STEPS 0,3,6,9; an absent key is 0). */
  async queueDepth(queue: string): Promise<number> {
    if (this.amqp) return (await this.amqp.queueDepth(queue)) ?? 0;
    const keys = [0, 3, 6, 9].map((p) => priorityQueueKey(queue, p));
    const lens = await Promise.all(keys.map((k) => this.broker!.llen(k)));
    return lens.reduce((a, b) => a + b, 0);
  }

  /** Final results already stored for these ids (one pipelined GET pass). */
  async fetchFinal(ids: string[]): Promise<ResultEvent[]> {
    const out: ResultEvent[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = await this.backend.mget(chunk.map((id) => `${RESULT_PREFIX}${id}`));
      const at = performance.now();
      values.forEach((raw, j) => {
        if (!raw) return;
        try {
          const r = JSON.parse(raw) as { status?: string; result?: unknown };
          if (r.status && FINAL.has(r.status)) {
            const excType = excTypeOf(r.result);
            const excMessage = excType ? excMessageOf(r.result) : undefined;
            out.push({ id: chunk[j]!, status: r.status, at, ...(excType ? { excType } : {}), ...(excMessage ? { excMessage } : {}) });
          }
        } catch { /* ignore */ }
      });
    }
    return out;
  }

  close(): void {
    this.closing = true;
    // messages still buffered on the subscriber must not reach the callbacks after the run ended
    this.sub.removeAllListeners('pmessage');
    this.sub.removeAllListeners('message');
    for (const c of [this.broker, this.backend, this.sub]) c?.disconnect();
    void this.amqp?.close();
  }
}
