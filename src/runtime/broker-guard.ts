// Safety of a --broker jobctl did not start (the user's own Redis, maybe shared with other apps).
//
// - Before anything runs: the broker must answer and accept the password ("authentication failed"
//   is not "not reachable"), and its database must be empty unless --allow-shared-broker. A worker
//   started on a database that holds other apps' data would run kombu's unacked restore over the
//   database's shared `unacked`/`unacked_index` keys and move or drop their messages
//   (kombu/transport/redis.py QoS.restore_visible).
// - The worker jobctl starts gets unacked keys of its own (transport options unacked_key,
//   unacked_index_key, unacked_mutex_key, set by templates/python/jobctl_isolate.py from the
//   environment), so even with --allow-shared-broker it never restores anything but its own messages.
// - Afterwards jobctl deletes exactly the keys it created, by name.
import { Redis } from 'ioredis';
import { JobctlError, UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export const ISOLATE_MODULE = 'jobctl_isolate';

/** The keys kombu uses for jobctl's worker's unacked bookkeeping, all under one jobctl prefix. */
export function isolationKeys(tag: string): { env: Record<string, string>; keys: string[] } {
  const prefix = `jobctl.${tag}.`;
  const keys = [`${prefix}unacked`, `${prefix}unacked_index`, `${prefix}unacked_mutex`];
  return { env: { JOBCTL_ISOLATE_PREFIX: prefix }, keys };
}

function describeRedisError(err: unknown): 'auth' | 'other' {
  const msg = (err as Error)?.message ?? '';
  return /NOAUTH|WRONGPASS|invalid password|invalid username-password|AUTH <password> called without any password/i.test(msg) ? 'auth' : 'other';
}

async function withClient<T>(url: string, fn: (c: Redis) => Promise<T>): Promise<T> {
  let lastError: unknown = null;
  const c = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true });
  c.on('error', (e) => { lastError = e; });
  try {
    await c.connect();
    return await fn(c);
  } catch (err) {
    const cause = lastError ?? err;
    const masked = maskUrlCredentials(url);
    if (describeRedisError(cause) === 'auth' || describeRedisError(err) === 'auth') {
      throw new UnavailableError(`broker ${masked}: authentication failed (the broker answered but refused the ${/:\/\/[^@/]*:[^@/]*@/.test(url) ? 'password' : 'connection without a password'}); check the password in --broker`);
    }
    if (err instanceof JobctlError) throw err;
    throw new UnavailableError(`broker ${masked} is not reachable (${(cause as Error).message}); start it or pass a reachable --broker`, { cause });
  } finally {
    c.disconnect();
  }
}

/** Refuse a broker database that holds keys (other apps' data) unless the user allows sharing it. */
export async function guardSharedBroker(url: string, opts: { allowShared?: boolean }): Promise<void> {
  await withClient(url, async (c) => {
    await c.ping();
    const size = await c.dbsize();
    if (size > 0 && !opts.allowShared) {
      throw new JobctlError(`--broker ${maskUrlCredentials(url)}: the database holds ${size} key(s) of other applications; a Celery worker started there restores and can drop their unacked messages, so jobctl refuses it. Point --broker at an empty database (e.g. redis://127.0.0.1:6379/15), omit --broker to use jobctl's own redis-server, or pass --allow-shared-broker`);
    }
  });
}

/** Delete exactly these keys (jobctl's own, by name) from a broker jobctl does not own. */
export async function deleteOwnKeys(url: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  for (const k of keys) if (!k.startsWith('jobctl') && !k.startsWith('celery-task-meta-') && !k.startsWith('_kombu.binding.jobctl')) throw new Error(`refusing to delete ${k}: not a key jobctl created`);
  await withClient(url, async (c) => { await c.del(...keys); });
}

/** kombu >= 5.7 keeps one deadline per expiring exchange in this sorted set, shared by every worker
 * on the database (kombu/transport/redis.py keyprefix_binding_deadlines, REFRESH_BINDING). */
const DEADLINES = '_kombu.binding_deadlines';
const PIDBOX_EXCHANGES = ['celery.pidbox', 'reply.celery.pidbox'];

/** Record the shared entries jobctl's worker will refresh; the returned function puts them back. */
export async function captureSharedEntries(url: string): Promise<() => Promise<void>> {
  const before = await withClient(url, async (c) => Promise.all(PIDBOX_EXCHANGES.map(async (m) => [m, await c.zscore(DEADLINES, m)] as const)));
  return async () => {
    await withClient(url, async (c) => {
      for (const [member, score] of before) {
        if (score === null) await c.zrem(DEADLINES, member);
        else await c.zadd(DEADLINES, score, member);
      }
    });
  };
}

/** Does the broker still answer a PING (within 1.5 s)? Used to tell a dead broker from a failed check. */
export async function brokerAnswers(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, connectTimeout: 1500, commandTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}
