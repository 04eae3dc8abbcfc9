// Celery task message protocol v2 and kombu's virtual-transport envelope, built in TypeScript so
// jobctl can publish tasks without a Python producer. Verified wire format and sources:
// (celery@v5.2.6..v5.6.3:celery/app/amqp.py as_task_v2,
// kombu transport/virtual/base.py). Pure functions: no I/O here, so AMQP can reuse them.
import { randomUUID } from 'node:crypto';
import os from 'node:os';

export interface TaskCall {
  /** registered task name, e.g. 'proj.tasks.add' */
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** defaults to a fresh uuid */
  id?: string;
  /** absolute time at which the worker may run it (countdown/ETA) */
  eta?: Date;
  expires?: Date;
  /** seconds; Celery's header order is [hard, soft] (the protocol doc says the reverse and is wrong) */
  hardTimeLimit?: number;
  softTimeLimit?: number;
  priority?: number;
  retries?: number;
}

export interface TaskHeaders {
  lang: 'py';
  task: string;
  id: string;
  shadow: null;
  eta: string | null;
  expires: string | null;
  group: null;
  group_index: null;
  retries: number;
  timelimit: [number | null, number | null];
  root_id: string;
  parent_id: null;
  argsrepr: string;
  kwargsrepr: string;
  origin: string;
  ignore_result: boolean;
}

/** kombu's JSON envelope as stored in a Redis list (virtual transport). */
export interface KombuEnvelope {
  body: string;
  'content-encoding': 'utf-8';
  'content-type': 'application/json';
  headers: Record<string, unknown>;
  properties: {
    correlation_id?: string;
    reply_to?: string;
    delivery_mode: 2;
    delivery_info: { exchange: string; routing_key: string };
    priority: number;
    body_encoding: 'base64';
    delivery_tag: string;
  };
}

export const CONTENT_TYPE_JSON = 'application/json';

/** A Python-looking repr for logs and `inspect active` (display only; the worker never parses it). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return String(value);
}

function argsRepr(args: unknown[]): string {
  if (args.length === 1) return `(${pyRepr(args[0])},)`;
  return `(${args.map(pyRepr).join(', ')})`;
}

/**
 * A time as Celery's own producer writes it (`datetime.isoformat()` of an aware UTC datetime):
 * six fraction digits and `+00:00`. Celery <= 5.2 parses ETA/expires with celery/utils/iso8601.py,
 * which reads the fraction as microseconds whatever its length (celery@v5.2.7
 * celery/utils/iso8601.py, via utils/time.py maybe_iso8601: `int(groups['fraction'] or 0)`), so JavaScript's 3-digit `.950Z` became
 * 950 µs and a countdown ran up to a second early. 5.3+ parses with dateutil's isoparse (celery@v5.3.6
 * celery/utils/time.py maybe_iso8601), which reads both.
 */
export function celeryIsoTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** Headers + JSON body of a protocol-v2 task message. */
export function buildTaskMessage(call: TaskCall): { id: string; headers: TaskHeaders; body: [unknown[], Record<string, unknown>, Record<string, null>] } {
  const id = call.id ?? randomUUID();
  const args = call.args ?? [];
  const kwargs = call.kwargs ?? {};
  const headers: TaskHeaders = {
    lang: 'py',
    task: call.task,
    id,
    shadow: null,
    eta: call.eta ? celeryIsoTime(call.eta) : null,
    expires: call.expires ? celeryIsoTime(call.expires) : null,
    group: null,
    group_index: null,
    retries: call.retries ?? 0,
    timelimit: [call.hardTimeLimit ?? null, call.softTimeLimit ?? null],
    root_id: id,
    parent_id: null,
    argsrepr: argsRepr(args),
    kwargsrepr: pyRepr(kwargs),
    origin: `jobctl${process.pid}@${os.hostname()}`,
    ignore_result: false,
  };
  return { id, headers, body: [args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }] };
}

/** Wrap headers + body into kombu's envelope for a direct publish to `queue` (exchange ''). */
export function buildEnvelope(opts: { headers: Record<string, unknown>; body: unknown; exchange: string; routingKey: string; priority?: number; correlationId?: string; replyTo?: string }): KombuEnvelope {
  return {
    body: Buffer.from(JSON.stringify(opts.body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': CONTENT_TYPE_JSON,
    headers: opts.headers,
    properties: {
      ...(opts.correlationId !== undefined ? { correlation_id: opts.correlationId } : {}),
      ...(opts.replyTo !== undefined ? { reply_to: opts.replyTo } : {}),
      delivery_mode: 2,
      delivery_info: { exchange: opts.exchange, routing_key: opts.routingKey },
      priority: opts.priority ?? 0,
      body_encoding: 'base64',
      // must be unique per message: it keys kombu's `unacked` hash (protocol.md §2.1)
      delivery_tag: randomUUID(),
    },
  };
}

/** Decode an envelope's body (base64 JSON) back into a value. */
export function decodeEnvelopeBody(env: { body: string; properties?: { body_encoding?: string } }): unknown {
  const raw = env.properties?.body_encoding === 'base64' ? Buffer.from(env.body, 'base64').toString('utf8') : env.body;
  return JSON.parse(raw) as unknown;
}

/** kombu Redis: priority n goes to the largest step <= n; step 0 is the bare queue name (protocol.md §2.3). */
export function priorityQueueKey(queue: string, priority: number, steps: number[] = [0, 3, 6, 9], sep = '\x06\x16'): string {
  const p = Math.max(0, Math.min(9, Math.trunc(priority)));
  let step = steps[0] ?? 0;
  for (const s of steps) if (s <= p) step = s;
  return step === 0 ? queue : `${queue}${sep}${step}`;
}

/** A task result as stored by Celery's result backends (celery/backends/base.py). */
export interface TaskResult {
  status: 'SUCCESS' | 'FAILURE' | 'REVOKED' | 'RETRY' | 'STARTED' | 'PENDING' | string;
  result: unknown;
  traceback: string | null;
  task_id: string;
  date_done?: string | null;
}

export interface TaskException {
  excType: string;
  excMessage: string;
  excModule: string | null;
}

/** `{"exc_type":"ValueError","exc_message":["kaput"],"exc_module":"builtins"}` -> readable parts. */
export function readException(result: TaskResult): TaskException | null {
  const r = result.result as { exc_type?: unknown; exc_message?: unknown; exc_module?: unknown } | null;
  if (!r || typeof r !== 'object' || typeof r.exc_type !== 'string') return null;
  const msg = Array.isArray(r.exc_message) ? r.exc_message.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(', ') : String(r.exc_message ?? '');
  return { excType: r.exc_type, excMessage: msg, excModule: typeof r.exc_module === 'string' ? r.exc_module : null };
}
