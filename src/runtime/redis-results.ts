// Celery's Redis result backend, read side: one PSUBSCRIBE for every result (the worker PUBLISHes
// each state change on the key's name) plus a slow GET poll that covers a PUBLISH missed while
// subscribing (protocol.md §9.2). Shared by the Redis and the AMQP transport (a RabbitMQ broker
// with a Redis result backend). Source: celery@v5.6.3 celery/backends/redis.py (ResultConsumer).
import { Redis } from 'ioredis';
import { FINAL_STATES } from './transport.js';
import type { TaskResult } from './protocol.js';

export const RESULT_PREFIX = 'celery-task-meta-';

export function redisClient(url: string, timeoutMs: number): Redis {
  const c = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    // fail fast instead of reconnecting forever: jobctl reports the broker as unavailable
    retryStrategy: () => null,
    enableOfflineQueue: true,
  });
  c.on('error', () => { /* surfaced through command rejections */ });
  return c;
}

export class RedisResultReader {
  private readonly waiters = new Map<string, (r: TaskResult | null) => void>();
  private subscribed = false;

  constructor(private readonly backend: Redis, private readonly sub: Redis, private readonly deleteResults: boolean) {}

  /** after both clients are connected */
  async subscribe(): Promise<void> {
    this.sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const waiter = this.waiters.get(channel.slice(RESULT_PREFIX.length));
      if (!waiter) return;
      try {
        const r = JSON.parse(message) as TaskResult;
        if (FINAL_STATES.has(r.status)) waiter(r);
      } catch { /* not a Celery result */ }
    });
    await this.sub.psubscribe(`${RESULT_PREFIX}*`);
    this.subscribed = true;
  }

  waitResult(id: string, timeoutMs: number): Promise<TaskResult | null> {
    return new Promise<TaskResult | null>((resolve) => {
      let done = false;
      const finish = (r: TaskResult | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(id);
        if (r && this.deleteResults) this.backend.del(`${RESULT_PREFIX}${id}`).catch(() => undefined);
        resolve(r);
      };
      this.waiters.set(id, finish);
      const poll = setInterval(() => { void this.getFinal(id).then((r) => { if (r) finish(r); }); }, 1000);
      const timer = setTimeout(() => { void this.getFinal(id).then(finish, () => finish(null)); }, timeoutMs);
    });
  }

  private async getFinal(id: string): Promise<TaskResult | null> {
    const raw = await this.backend.get(`${RESULT_PREFIX}${id}`).catch(() => null);
    if (!raw) return null;
    try {
      const r = JSON.parse(raw) as TaskResult;
      return FINAL_STATES.has(r.status) ? r : null;
    } catch {
      return null;
    }
  }

  /** delete the result keys of these task ids (jobctl's own tasks only) */
  async deleteResultsOf(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) await this.backend.del(...ids.slice(i, i + 500).map((id) => `${RESULT_PREFIX}${id}`));
  }

  async close(): Promise<void> {
    for (const w of [...this.waiters.values()]) w(null);
    if (this.subscribed) await this.sub.punsubscribe().catch(() => undefined);
  }
}
