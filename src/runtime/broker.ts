// Which broker a runtime command uses: jobctl's own redis-server by default; an existing broker
// only when the user passes one, and then only on loopback unless --allow-remote.
import { JobctlError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import { startOwnRedis, type OwnRedis } from './redis-server.js';
import { captureSharedEntries, guardSharedBroker } from './broker-guard.js';

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
  kind: 'redis';
  stop(): Promise<void>;
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
  if (scheme !== 'redis') throw new JobctlError(`--broker ${maskUrlCredentials(url)}: only redis:// brokers are supported by smoke-test for now; omit --broker to let jobctl start its own redis-server`);
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

export async function resolveBroker(opts: { broker?: string; allowRemote?: boolean; allowShared?: boolean }): Promise<BrokerHandle> {
  if (opts.broker) {
    checkBrokerFlag(opts);
    const p = parseBrokerUrl(opts.broker);
    await guardSharedBroker(opts.broker, { ...(opts.allowShared ? { allowShared: true } : {}) });
    const restore = await captureSharedEntries(opts.broker);
    return { url: opts.broker, backendUrl: opts.broker, masked: maskUrlCredentials(opts.broker), owned: false, password: p.password, kind: 'redis', stop: restore };
  }
  const own: OwnRedis = await startOwnRedis();
  // broker on db 0, results on db 1 of jobctl's private server
  return { url: own.url(0), backendUrl: own.url(1), masked: maskUrlCredentials(own.url(0)), owned: true, password: own.password, kind: 'redis', stop: () => own.stop() };
}
