// `jobctl smoke-test --fleet`: check a worker fleet jobctl did not start, over the broker only.
// Ping every worker over pidbox; compare what they run (Celery and kombu versions from `inspect
// report`, registered tasks, pool settings from `inspect stats`), so a rollout half done shows up as
// two versions; and, when the fleet loads jobctl's probe module, run the echo and failure probes on
// the fleet's queue. It starts nothing and leaves nothing behind: the pidbox reply queues are the
// transport's own and deleted after each command, and the probes' result keys are deleted by id.
import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { checkBrokerFlag } from './broker.js';
import { openFleetConnection } from './fleet-broker.js';
import { deleteOwnResults, discoverFleet, workerFacts, type WorkerFacts } from './fleet.js';
import { readException } from './protocol.js';
import { JobctlError, UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export interface FleetSmokeCheck {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  required: boolean;
  evidence: string;
}

export interface FleetSmokeWorker extends WorkerFacts {
  pingMs: number | null;
}

export interface FleetSmokeResult {
  schema: 'jobctl.smoke-fleet/1';
  ok: boolean;
  exitCode: 0 | 1;
  broker: string;
  queue: string | null;
  workers: FleetSmokeWorker[];
  /** workers answering on the broker that do not consume --queue (not checked) */
  otherWorkers: string[];
  checks: FleetSmokeCheck[];
  durationMs: number;
}

export interface FleetSmokeOptions {
  broker: string;
  backend?: string;
  allowRemote?: boolean;
  /** the fleet's queue: its consumers are the fleet, and the probes go there (null: every worker answering) */
  queue?: string;
  taskTimeoutMs?: number;
  discoveryTimeoutMs?: number;
}

const PROBE_ECHO = 'jobctl.echo';
const PROBE_FAIL = 'jobctl.fail';
const ECHO_PAYLOAD = { text: 'héllo ✓ jobctl fleet', n: 42, f: 1.5, list: [1, 'two', null, true], nested: { ok: true } };
const JOBCTL_TASK = /^jobctl(_loadprobe)?\./;

/** name -> workers, for "5.7.0 (w1, w3) · 5.6.3 (w2)" */
export function groupBy(workers: WorkerFacts[], pick: (w: WorkerFacts) => string | null): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const w of workers) {
    const k = pick(w) ?? 'unknown';
    m.set(k, [...(m.get(k) ?? []), w.name]);
  }
  return m;
}

const describe = (m: Map<string, string[]>): string => [...m].map(([k, names]) => `${k} (${names.join(', ')})`).join(' · ');

function sameCheck(id: string, title: string, workers: WorkerFacts[], pick: (w: WorkerFacts) => string | null, required: boolean, mixed: string): FleetSmokeCheck {
  const g = groupBy(workers, pick);
  if (g.size <= 1) return { id, title, status: 'pass', required, evidence: `every worker: ${[...g.keys()][0] ?? 'unknown'}` };
  return { id, title, status: required ? 'fail' : 'warn', required, evidence: `${g.size} different: ${describe(g)}; ${mixed}` };
}

/** Registered tasks compared across workers (jobctl's own probe tasks left out). */
export function compareRegistered(workers: WorkerFacts[]): FleetSmokeCheck {
  const known = workers.filter((w) => w.registered !== null);
  const sets = known.map((w) => new Set(w.registered!.filter((t) => !JOBCTL_TASK.test(t))));
  const all = new Set(sets.flatMap((s) => [...s]));
  const missing: string[] = [];
  known.forEach((w, i) => {
    const lacks = [...all].filter((t) => !sets[i]!.has(t)).sort();
    if (lacks.length) missing.push(`${w.name} lacks ${lacks.slice(0, 6).join(', ')}${lacks.length > 6 ? ` and ${lacks.length - 6} more` : ''}`);
  });
  const silent = workers.filter((w) => w.registered === null).map((w) => w.name);
  if (missing.length) return { id: 'registered', title: 'same registered tasks on every worker', status: 'fail', required: true, evidence: `${missing.join('; ')}: a task sent to the queue fails or is lost on the workers that lack it` };
  return { id: 'registered', title: 'same registered tasks on every worker', status: silent.length ? 'warn' : 'pass', required: true, evidence: `${all.size} task(s) on ${known.length} worker(s)${silent.length ? `; no reply from ${silent.join(', ')}` : ''}` };
}

export async function runFleetSmoke(o: FleetSmokeOptions): Promise<FleetSmokeResult> {
  if (!o.broker) throw new JobctlError('smoke-test --fleet needs --broker (the broker your fleet consumes from; or set JOBCTL_BROKER)');
  checkBrokerFlag({ broker: o.broker, ...(o.allowRemote ? { allowRemote: true } : {}) });
  const started = performance.now();
  const masked = maskUrlCredentials(o.broker);
  const conn = await openFleetConnection(o.broker, o.backend);
  const t = conn.transport;
  const ids: string[] = [];
  try {
    const { fleet, others } = await discoverFleet(t, o.queue ?? null, o.discoveryTimeoutMs ?? 2000);
    if (!fleet.length) throw new UnavailableError(`no worker on ${masked} ${o.queue ? `consumes queue ${o.queue}` : 'answered a broadcast'} within 2 s${others.length ? ` (answering, on other queues: ${others.slice(0, 8).join(', ')})` : ''}; start the fleet or pass the queue it consumes with --queue`);
    const names = fleet.map((w) => w.name);
    const checks: FleetSmokeCheck[] = [];
    // ping each worker by name: who answers, and how fast
    const pings = await Promise.all(names.map(async (n) => {
      const t0 = performance.now();
      const r = await t.control('ping', {}, { destination: [n], timeoutMs: 2000 });
      return r[n] !== undefined ? Math.round(performance.now() - t0) : null;
    }));
    const silent = names.filter((_, i) => pings[i] === null);
    checks.push({ id: 'ping', title: 'every worker answers a ping (pidbox)', status: silent.length ? 'fail' : 'pass', required: true, evidence: silent.length ? `no pong from ${silent.join(', ')} within 2 s` : names.map((n, i) => `${n} ${pings[i]} ms`).join(' · ') });
    const facts = await workerFacts(t, names);
    const workers: FleetSmokeWorker[] = facts.map((f, i) => ({ ...f, pingMs: pings[i] ?? null }));
    checks.push(sameCheck('celery-version', 'one Celery version across the fleet', facts, (w) => w.celery, true, 'a rollout half done: finish it (or roll it back) before measuring'));
    checks.push(sameCheck('kombu-version', 'one kombu version across the fleet', facts, (w) => w.kombu, true, 'workers on different kombu versions can disagree on the broker layout'));
    checks.push(sameCheck('python-version', 'one Python version across the fleet', facts, (w) => w.python, false, 'informational'));
    checks.push(compareRegistered(facts));
    checks.push(sameCheck('pool', 'same pool settings (pool, concurrency, prefetch, max tasks per child)', facts,
      (w) => `${w.pool ?? '?'} -c ${w.concurrency ?? '?'} prefetch ${w.prefetchCount ?? '?'} max-tasks-per-child ${w.maxTasksPerChild ?? 'none'}`, false,
      'intended for heterogeneous pods, otherwise a deployment that did not roll out everywhere'));
    // the probes, on the fleet's queue, when every worker there can run them
    const probesOn = facts.filter((f) => f.registered?.includes(PROBE_ECHO) && f.registered.includes(PROBE_FAIL)).map((f) => f.name);
    const timeoutMs = o.taskTimeoutMs ?? 15_000;
    if (!o.queue) {
      checks.push({ id: 'echo', title: 'echo probe on the fleet\'s queue', status: 'skip', required: false, evidence: 'pass --queue to run the probes on the queue the fleet consumes' });
    } else if (probesOn.length < facts.length) {
      checks.push({ id: 'echo', title: 'echo probe on the fleet\'s queue', status: 'skip', required: false, evidence: probesOn.length ? `only ${probesOn.join(', ')} load jobctl_probe: a probe could land on a worker without it` : 'the fleet does not load jobctl_probe (add --include jobctl_probe to the worker command, with templates/python/jobctl_probe.py on its path)' });
    } else {
      // one echo per worker and a second round: with one queue jobctl cannot choose who takes it
      const n = names.length * 2;
      const echoes = await Promise.all(Array.from({ length: n }, async () => {
        const id = randomUUID();
        ids.push(id);
        return (await t.call({ task: PROBE_ECHO, args: [ECHO_PAYLOAD], id }, { queue: o.queue!, timeoutMs })).result;
      }));
      const bad = echoes.filter((r) => !r || r.status !== 'SUCCESS' || !isDeepStrictEqual(r.result, ECHO_PAYLOAD));
      checks.push({ id: 'echo', title: 'echo probe round trip on the fleet\'s queue', status: bad.length ? 'fail' : 'pass', required: true, evidence: bad.length ? `${bad.length} of ${n} echoes ${bad.some((r) => !r) ? 'timed out or ' : ''}came back different: ${JSON.stringify(bad[0]?.result ?? null).slice(0, 200)}` : `${n} echoes came back unchanged (unicode, floats, nesting) through the fleet's serializer` });
      const id = randomUUID();
      ids.push(id);
      const fr = (await t.call({ task: PROBE_FAIL, args: ['jobctl fleet probe failure'], id }, { queue: o.queue, timeoutMs })).result;
      const ex = fr ? readException(fr) : null;
      const okFail = fr?.status === 'FAILURE' && ex?.excType === 'ValueError' && ex.excMessage.includes('jobctl fleet probe failure');
      checks.push({ id: 'failure', title: 'a failing task reports its exception to the producer', status: okFail ? 'pass' : 'fail', required: true, evidence: okFail ? 'ValueError: jobctl fleet probe failure' : fr ? `got ${fr.status} ${ex ? `${ex.excType}: ${ex.excMessage}` : JSON.stringify(fr.result).slice(0, 200)}` : `no result within ${Math.round(timeoutMs / 1000)} s` });
    }
    const ok = checks.every((c) => !(c.required && c.status === 'fail'));
    return { schema: 'jobctl.smoke-fleet/1', ok, exitCode: ok ? 0 : 1, broker: masked, queue: o.queue ?? null, workers, otherWorkers: o.queue ? others : [], checks, durationMs: Math.round(performance.now() - started) };
  } finally {
    await deleteOwnResults(conn.backendUrl, ids).catch(() => undefined);
    await t.close();
  }
}
