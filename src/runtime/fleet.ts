// A worker fleet jobctl did not start: who is in it (the workers consuming one queue), what each
// runs (inspect report/stats/registered), and task events switched on for a run and restored.
// Everything goes through the broker-independent CeleryTransport.control() (pidbox); nothing here
// creates or deletes anything on the broker beyond the transport's own reply queue.
//
// Replies as Celery sends them (celery@v5.7.0 celery/worker/control.py): ping {'ok': 'pong'};
// active_queues [{name, ...}]; registered ['task', 'task [rate_limit=...]']; stats {pool: {...},
// rusage: {...}, prefetch_count, ...}; report {'ok': 'software -> celery:5.7.0 (...) kombu:5.7.0 py:3.11.9\n...'};
// enable_events {'ok': 'task events enabled' | 'task events already enabled'} (or {'error': ...}).
import { Redis } from 'ioredis';
import type { CeleryTransport } from './transport.js';

export interface FleetWorker {
  /** node name, e.g. 'celery@pod-7' */
  name: string;
  /** the queues it consumes */
  queues: string[];
}

export interface WorkerFacts {
  name: string;
  celery: string | null;
  kombu: string | null;
  python: string | null;
  platform: string | null;
  /** 'prefork', 'threads', 'gevent', 'solo', ... from stats.pool.implementation */
  pool: string | null;
  concurrency: number | null;
  prefetchCount: number | null;
  /** prefork: the pool process ids (stats.pool.processes) */
  processes: number[];
  maxTasksPerChild: number | null;
  /** ru_maxrss of the worker's main process only (bytes; Linux reports KiB) */
  mainPeakRssBytes: number | null;
  registered: string[] | null;
}

const DEFAULT_TIMEOUT = 2000;

/** Workers answering on the broker that consume `queue` (every answering worker when queue is null). */
export async function discoverFleet(t: CeleryTransport, queue: string | null, timeoutMs = DEFAULT_TIMEOUT): Promise<{ fleet: FleetWorker[]; others: string[] }> {
  const replies = await t.control('active_queues', {}, { destination: null, timeoutMs });
  const fleet: FleetWorker[] = [];
  const others: string[] = [];
  for (const [name, reply] of Object.entries(replies)) {
    const queues = Array.isArray(reply) ? reply.map((q) => (q && typeof q === 'object' ? String((q as { name?: unknown }).name ?? '') : '')).filter(Boolean) : [];
    if (queue === null || queues.includes(queue)) fleet.push({ name, queues });
    else others.push(name);
  }
  fleet.sort((a, b) => a.name.localeCompare(b.name));
  return { fleet, others: others.sort() };
}

/** `software -> celery:5.7.0 (recovery) kombu:5.7.0 py:3.11.9` → versions. */
export function parseReport(text: string): { celery: string | null; kombu: string | null; python: string | null; platform: string | null } {
  const sw = /software\s*->\s*celery:(\S+).*?kombu:(\S+)\s+py:(\S+)/.exec(text);
  const platform = /platform\s*->\s*(.+)/.exec(text)?.[1]?.trim() ?? null;
  return { celery: sw?.[1] ?? null, kombu: sw?.[2] ?? null, python: sw?.[3] ?? null, platform };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** report + stats + registered of each worker, asked of exactly these workers. */
export async function workerFacts(t: CeleryTransport, names: string[], timeoutMs = DEFAULT_TIMEOUT): Promise<WorkerFacts[]> {
  const opts = { destination: names, timeoutMs };
  const [report, stats, registered] = await Promise.all([
    t.control('report', {}, opts),
    t.control('stats', {}, opts),
    t.control('registered', {}, opts),
  ]);
  return names.map((name) => {
    const rep = report[name] as { ok?: unknown } | undefined;
    const versions = parseReport(typeof rep?.ok === 'string' ? rep.ok : '');
    const st = (stats[name] ?? {}) as { pool?: Record<string, unknown>; rusage?: Record<string, unknown>; prefetch_count?: unknown };
    const pool = st.pool ?? {};
    const impl = typeof pool.implementation === 'string' ? pool.implementation : null;
    const reg = registered[name];
    const maxrss = num(st.rusage?.maxrss);
    return {
      name,
      ...versions,
      pool: impl ? poolName(impl) : null,
      concurrency: num(pool['max-concurrency']),
      prefetchCount: num(st.prefetch_count),
      processes: Array.isArray(pool.processes) ? pool.processes.filter((p): p is number => typeof p === 'number') : [],
      maxTasksPerChild: num(pool['max-tasks-per-child']),
      // getrusage(2): ru_maxrss is in kilobytes on Linux (bytes on macOS; a fleet runs Linux)
      mainPeakRssBytes: maxrss === null ? null : maxrss * 1024,
      registered: Array.isArray(reg) ? reg.map((x) => String(x).split(' ')[0]!) : null,
    };
  });
}

/** 'celery.concurrency.prefork:TaskPool' → 'prefork'. */
export function poolName(impl: string): string {
  const m = /concurrency\.([a-z_]+):/.exec(impl);
  return m ? m[1]! : impl;
}

export interface EventsState {
  /** workers whose task events jobctl switched on (and must switch off again) */
  enabledByJobctl: string[];
  /** workers that already sent task events (-E, worker_send_task_events, an earlier enable_events): left alone */
  alreadyOn: string[];
  /** workers that did not answer or refused (no event dispatcher) */
  unavailable: { name: string; reason: string }[];
}

/**
 * `enable_events` on exactly these workers. Celery answers 'task events already enabled' when the
 * worker was sending them (started with -E: its dispatcher has no group filter; or the task group
 * was added earlier) and 'task events enabled' when this call switched them on — so the reply
 * itself says which workers must get `disable_events` afterwards, and no other worker does.
 */
export async function enableTaskEvents(t: CeleryTransport, names: string[], timeoutMs = DEFAULT_TIMEOUT): Promise<EventsState> {
  const replies = await t.control('enable_events', {}, { destination: names, timeoutMs });
  const state: EventsState = { enabledByJobctl: [], alreadyOn: [], unavailable: [] };
  for (const name of names) {
    const r = replies[name] as { ok?: unknown; error?: unknown } | undefined;
    if (r === undefined) state.unavailable.push({ name, reason: 'no reply to enable_events' });
    else if (typeof r.ok === 'string' && /already enabled/.test(r.ok)) state.alreadyOn.push(name);
    else if (typeof r.ok === 'string') state.enabledByJobctl.push(name);
    else state.unavailable.push({ name, reason: String(r.error ?? JSON.stringify(r)) });
  }
  return state;
}

/** Put events back as they were: `disable_events` only on the workers jobctl switched on. */
export async function restoreTaskEvents(t: CeleryTransport, state: EventsState, timeoutMs = DEFAULT_TIMEOUT): Promise<{ restored: string[]; failed: string[] }> {
  if (state.enabledByJobctl.length === 0) return { restored: [], failed: [] };
  const replies = await t.control('disable_events', {}, { destination: state.enabledByJobctl, timeoutMs }).catch(() => ({} as Record<string, unknown>));
  const restored: string[] = [];
  const failed: string[] = [];
  for (const name of state.enabledByJobctl) {
    const r = replies[name] as { ok?: unknown } | undefined;
    if (r && typeof r.ok === 'string') restored.push(name);
    else failed.push(name);
  }
  return { restored, failed };
}

/** DEL celery-task-meta-<id> for jobctl's own ids only (never a pattern, never another key). */
export async function deleteOwnResults(backendUrl: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const c = new Redis(backendUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    for (let i = 0; i < ids.length; i += 500) await c.del(...ids.slice(i, i + 500).map((id) => `celery-task-meta-${id}`));
  } finally {
    c.disconnect();
  }
}

/**
 * What jobctl's producer and result reader need from the fleet's configuration (`inspect conf`
 * without defaults): a Redis result backend, JSON results, JSON accepted. Only the backend's scheme
 * is read from the URL. Returns one line per problem (empty: fine); workers that do not answer are
 * not judged.
 */
export async function fleetConfProblems(t: CeleryTransport, names: string[], timeoutMs = DEFAULT_TIMEOUT): Promise<string[]> {
  // without defaults: Celery 5.7.0 cannot serialise the full table (a set in deprecated_settings), and an
  // absent key means the default (result_backend: none; result_serializer and accept_content: json)
  const replies = await t.control('conf', {}, { destination: names, timeoutMs });
  const problems: string[] = [];
  for (const name of names) {
    const c = replies[name] as Record<string, unknown> | undefined;
    if (!c || typeof c !== 'object') continue;
    const backend = typeof c.result_backend === 'string' ? c.result_backend : null;
    const scheme = backend ? (/^([a-z0-9+]+):\/\//i.exec(backend)?.[1] ?? backend.split(':')[0]!) : null;
    // an absent key is not "no backend": CELERY_RESULT_BACKEND from the environment is not in the table
    if (scheme && !/^(redis|rediss)$/i.test(scheme)) problems.push(`${name} stores results in a ${scheme} backend; jobctl reads results from a Redis result backend (pass it with --result-backend), so load-test --fleet needs one`);
    if (typeof c.result_serializer === 'string' && c.result_serializer !== 'json') problems.push(`${name}: result_serializer is '${c.result_serializer}'; jobctl reads results as JSON`);
    const accept = Array.isArray(c.accept_content) ? c.accept_content.map((x) => String(x).toLowerCase()) : null;
    if (accept && !accept.includes('json') && !accept.includes('application/json')) problems.push(`${name}: accept_content is ${JSON.stringify(accept)}; jobctl publishes JSON task messages`);
  }
  return problems;
}
