// Which broker a runtime command uses: jobctl's own redis-server by default, jobctl's own RabbitMQ
// node when the project's broker is amqp:// (or --broker-kind rabbitmq); an existing broker only
// when the user passes one, and then only on loopback unless --allow-remote.
import { JobctlError, UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import { startOwnRedis, type OwnRedis } from './redis-server.js';
import { startOwnRabbit, findRabbitmqServer, rabbitInstallHint, type OwnRabbit } from './rabbitmq-server.js';
import { brokerAnswers, captureSharedEntries, guardSharedBroker } from './broker-guard.js';
import { AmqpCeleryTransport, amqpBrokerAnswers, connectAmqp, removeSharedCreatedSince, snapshotShared, type ResultBackendSpec } from './amqp-transport.js';
import { RedisCeleryTransport } from './redis-transport.js';
import type { CeleryTransport } from './transport.js';

export type BrokerKind = 'redis' | 'rabbitmq';

export interface BrokerHandle {
  /** broker URL with the password (never print: use `masked`) */
  url: string;
  /** result backend URL */
  backendUrl: string;
  masked: string;
  /** true when jobctl started it (and so may flush/stop it) */
  owned: boolean;
  /** the secret to scrub from logs and to check the worker never prints */
  password: string | null;
  /** every secret of the run (broker and result backend passwords): scrubbed from all output */
  secrets?: string[];
  kind: BrokerKind;
  /** rabbitmq: where results go (the worker gets backendUrl: a redis:// URL or 'rpc://') */
  backend?: ResultBackendSpec;
  /** rabbitmq: jobctl's own node, when it started one (broker-restart drills) */
  rabbit?: OwnRabbit;
  stop(): Promise<void>;
}

/** The producer for this broker (Redis or AMQP), connected. */
export async function openTransport(broker: BrokerHandle, opts: { deleteResults?: boolean } = {}): Promise<CeleryTransport & { deleteOwnQueue(queue: string, nodename?: string): Promise<void> }> {
  if (broker.kind === 'rabbitmq') {
    return AmqpCeleryTransport.open({ brokerUrl: producerAmqpUrl(broker.url), backend: broker.backend ?? { kind: 'rpc' }, ...(opts.deleteResults !== undefined ? { deleteResults: opts.deleteResults } : {}) });
  }
  return RedisCeleryTransport.open({ brokerUrl: broker.url, backendUrl: broker.backendUrl, ...(opts.deleteResults !== undefined ? { deleteResults: opts.deleteResults } : {}) });
}

const AMQP_SCHEMES = new Set(['amqp', 'amqps', 'pyamqp', 'librabbitmq']);

/** Does the broker still answer (Redis PING / AMQP login)? Tells a dead broker from a failed check. */
export async function brokerStillAnswers(broker: BrokerHandle): Promise<boolean> {
  return broker.kind === 'rabbitmq' ? amqpBrokerAnswers(producerAmqpUrl(broker.url)) : brokerAnswers(broker.url);
}

export type BrokerKindFlag = 'auto' | BrokerKind;

/**
 * The broker a runtime command runs on: --broker's scheme, else --broker-kind, else the app's own
 * broker (amqp:// -> RabbitMQ when rabbitmq-server is installed; otherwise Redis, with a note).
 */
export function chooseBrokerKind(o: { flag?: BrokerKindFlag | undefined; broker?: string | undefined; appScheme: string | null | undefined }): { kind: BrokerKind; note?: string } {
  if (o.broker) return { kind: kindOfScheme(parseBrokerUrl(o.broker).scheme) ?? 'redis' };
  if (o.flag && o.flag !== 'auto') return { kind: o.flag };
  const app = kindOfScheme(o.appScheme);
  if (app === 'rabbitmq') {
    if (findRabbitmqServer()) return { kind: 'rabbitmq' };
    return { kind: 'redis', note: `the app's own broker is ${o.appScheme}:// but rabbitmq-server is not installed, so jobctl runs it on Redis and RabbitMQ-specific behaviour is not covered; install it (${rabbitInstallHint()}) or pass --broker amqp://…` };
  }
  if (o.appScheme && app === null) return { kind: 'redis', note: `the app's own broker is ${o.appScheme}://; the smoke test runs it on Redis (jobctl's broker), so transport-specific behaviour is not covered` };
  return { kind: 'redis' };
}

/** The broker kind a Celery broker URL scheme runs on (null: neither Redis nor RabbitMQ). */
export function kindOfScheme(scheme: string | null | undefined): BrokerKind | null {
  if (!scheme) return null;
  const s = scheme.toLowerCase();
  if (AMQP_SCHEMES.has(s)) return 'rabbitmq';
  if (s === 'redis' || s === 'rediss' || s === 'sentinel') return 'redis';
  return null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function parseBrokerUrl(url: string): { scheme: string; host: string; port: number; db: number; password: string | null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new JobctlError(`--broker ${maskUrlCredentials(url)}: not a URL; use redis://127.0.0.1:6379/0`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (kindOfScheme(scheme) === 'rabbitmq') {
    // the worker gets the URL as given (Celery reads amqp://, pyamqp://); jobctl's producer speaks amqp(s)://
    return { scheme, host: u.hostname, port: Number(u.port || (scheme === 'amqps' ? '5671' : '5672')), db: 0, password: u.password ? decodeURIComponent(u.password) : null };
  }
  if (scheme !== 'redis') throw new JobctlError(`--broker ${maskUrlCredentials(url)}: use a redis:// or amqp:// broker URL, or omit --broker to let jobctl start its own broker`);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  return { scheme, host: u.hostname, port: Number(u.port || '6379'), db: Number.isFinite(db) ? db : 0, password: u.password ? decodeURIComponent(u.password) : null };
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The --broker checks that need nothing but the flag: run them before anything else starts. */
export function checkBrokerFlag(opts: { broker?: string; allowRemote?: boolean }): void {
  if (opts.broker === undefined) return;
  if (opts.broker.trim() === '') throw new JobctlError('--broker is empty; pass a URL such as redis://127.0.0.1:6379/15, or omit --broker to use jobctl\'s own redis-server');
  const p = parseBrokerUrl(opts.broker);
  if (!isLoopbackHost(p.host) && !opts.allowRemote) {
    throw new JobctlError(`--broker ${maskUrlCredentials(opts.broker)}: ${p.host} is not a loopback address; jobctl only talks to remote brokers with --allow-remote`);
  }
}

export interface ResolveBrokerOptions {
  broker?: string;
  allowRemote?: boolean;
  allowShared?: boolean;
  /** the broker jobctl starts when --broker is not given (default redis) */
  kind?: BrokerKind;
  /** rabbitmq: results over the RPC backend (reply-to queue) instead of jobctl's own redis-server */
  resultBackend?: 'redis' | 'rpc';
}

/** amqp:// for jobctl's producer (pyamqp:// and librabbitmq:// are Celery's names for the same protocol). */
export function producerAmqpUrl(url: string): string {
  return url.replace(/^(pyamqp|librabbitmq):\/\//i, 'amqp://');
}

async function resolveRabbit(opts: ResolveBrokerOptions): Promise<BrokerHandle> {
  // results: the RPC backend needs nothing else; the Redis backend gets jobctl's own redis-server
  const redis: OwnRedis | null = opts.resultBackend === 'rpc' ? null : await startOwnRedis();
  const backend: ResultBackendSpec = redis ? { kind: 'redis', url: redis.url(1) } : { kind: 'rpc' };
  const backendUrl = redis ? redis.url(1) : 'rpc://';
  const redisSecrets = redis ? [redis.password] : [];
  try {
    if (opts.broker) {
      const url = opts.broker;
      const p = parseBrokerUrl(url);
      const conn = await connectAmqp(producerAmqpUrl(url), 3000);
      await conn.close().catch(() => undefined);
      const before = await snapshotShared(producerAmqpUrl(url));
      return {
        url, backendUrl, backend, masked: maskUrlCredentials(url), owned: false, password: p.password,
        secrets: [...(p.password ? [p.password] : []), ...redisSecrets], kind: 'rabbitmq',
        stop: async () => {
          await removeSharedCreatedSince(producerAmqpUrl(url), before).catch(() => []);
          await redis?.stop();
        },
      };
    }
    if (!findRabbitmqServer()) throw new UnavailableError(`rabbitmq-server not found; install it (${rabbitInstallHint()}), pass --broker amqp://…, or --broker-kind redis`);
    const rabbit = await startOwnRabbit();
    return {
      url: rabbit.url(), backendUrl, backend, masked: rabbit.masked, owned: true, password: rabbit.password,
      secrets: [rabbit.password, ...redisSecrets], kind: 'rabbitmq', rabbit,
      stop: async () => { await Promise.all([rabbit.stop(), redis?.stop()]); },
    };
  } catch (err) {
    await redis?.stop();
    throw err;
  }
}

export async function resolveBroker(opts: ResolveBrokerOptions): Promise<BrokerHandle> {
  if (opts.broker) checkBrokerFlag(opts);
  if (opts.broker ? kindOfScheme(parseBrokerUrl(opts.broker).scheme) === 'rabbitmq' : opts.kind === 'rabbitmq') return resolveRabbit(opts);
  if (opts.broker) {
    const p = parseBrokerUrl(opts.broker);
    await guardSharedBroker(opts.broker, { ...(opts.allowShared ? { allowShared: true } : {}) });
    const restore = await captureSharedEntries(opts.broker);
    return { url: opts.broker, backendUrl: opts.broker, masked: maskUrlCredentials(opts.broker), owned: false, password: p.password, kind: 'redis', stop: restore };
  }
  const own: OwnRedis = await startOwnRedis();
  // broker on db 0, results on db 1 of jobctl's private server
  return { url: own.url(0), backendUrl: own.url(1), masked: maskUrlCredentials(own.url(0)), owned: true, password: own.password, secrets: [own.password], kind: 'redis', stop: () => own.stop() };
}
