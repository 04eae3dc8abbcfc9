// The drill broker on RabbitMQ: jobctl's own node (src/runtime/rabbitmq-server.ts: private node name,
// data dir, loopback ports, its own epmd) crashed with SIGKILL and started again on the same data,
// with results on jobctl's own redis-server (db 1), as the Redis drills keep them.
import { Redis } from 'ioredis';
import { startOwnRabbit, type OwnRabbit } from '../runtime/rabbitmq-server.js';
import { startOwnRedis, type OwnRedis } from '../runtime/redis-server.js';
import { AmqpCeleryTransport, connectAmqp } from '../runtime/amqp-transport.js';
import { producerAmqpUrl } from '../runtime/broker.js';
import type { CeleryTransport } from '../runtime/transport.js';
import type { DrillBroker } from './broker.js';

export class RabbitDrillBroker implements DrillBroker {
  readonly kind = 'amqp' as const;
  private constructor(private readonly rabbit: OwnRabbit, private readonly redis: OwnRedis) {}

  static async open(): Promise<RabbitDrillBroker> {
    const redis = await startOwnRedis();
    try {
      return new RabbitDrillBroker(await startOwnRabbit(), redis);
    } catch (err) {
      await redis.stop();
      throw err;
    }
  }

  get url(): string { return this.rabbit.url(); }
  get backendUrl(): string { return this.redis.url(1); }
  get password(): string { return this.rabbit.password; }
  get secrets(): string[] { return [this.rabbit.password, this.redis.password]; }

  describe(): string {
    return `jobctl's own RabbitMQ node ${this.rabbit.nodename} (durable queues and persistent messages, Celery's defaults); results on a private redis-server`;
  }

  async crash(): Promise<void> {
    // SIGKILL to the whole group (the rabbitmq-server script, beam.smp and its children) at once:
    // killing only the script leaves beam holding the output pipes, and the script's exit is never seen
    const p = this.rabbit.process();
    if (p.hasExited()) return;
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
    await p.exited;
  }

  async start(): Promise<void> {
    await this.rabbit.startNode();
  }

  async queueDepth(queue: string): Promise<number | null> {
    // a loaded machine can take seconds for an AMQP login: three tries before "unknown"
    for (let i = 0; i < 3; i++) {
      const n = await this.depthOnce(queue);
      if (n !== null) return n;
    }
    return null;
  }

  private async depthOnce(queue: string): Promise<number | null> {
    try {
      const conn = await connectAmqp(producerAmqpUrl(this.url), 5000);
      try {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        return (await ch.checkQueue(queue)).messageCount;
      } finally {
        await conn.close().catch(() => undefined);
      }
    } catch {
      return null;
    }
  }

  resultClient(): Redis {
    const c = new Redis(this.redis.url(1), { connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    return c;
  }

  async transport(): Promise<CeleryTransport> {
    return AmqpCeleryTransport.open({ brokerUrl: producerAmqpUrl(this.url), backend: { kind: 'redis', url: this.redis.url(1) }, deleteResults: false });
  }

  async stop(): Promise<void> {
    await Promise.all([this.rabbit.stop(), this.redis.stop()]);
  }
}
