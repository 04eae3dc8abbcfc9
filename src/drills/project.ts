// What the drills read from the project model (never from the files again): the broker Redis's
// persistence and memory policy (redis.conf, the compose Redis service's command line), the grace
// period the platform gives a stopping worker, and the longest delay / run time the code asks for.
import type { ProjectModel } from '../model/types.js';
import type { Knowledge } from '../knowledge/index.js';
import { isRedisService } from '../rules/lib/broker.js';
import { effectiveSettings } from '../rules/lib/settings.js';
import { asBool, asNumber } from '../rules/lib/values.js';

export interface FactWithSource<T> {
  value: T;
  /** file:line, or 'default (…)' */
  source: string;
}

export interface DrillFacts {
  /** redis.conf directives to run the drill broker with (persistence, memory policy) */
  redisDirectives: FactWithSource<string[]>;
  appendonly: FactWithSource<boolean>;
  /** RDB save points ('' = none) */
  save: FactWithSource<string>;
  maxmemoryPolicy: FactWithSource<string>;
  gracePeriodSeconds: FactWithSource<number>;
  /** the longest countdown / retry delay / acks_late time limit in the code (seconds), if any */
  longestDelay: FactWithSource<number> | null;
  /** the longest run time the project allows (task_time_limit / a task's time_limit), if any */
  longestRunTime: FactWithSource<number> | null;
  /** tasks that set their own acknowledgement options (decorator keywords), which the drill task can take on */
  taskAckOptions: TaskAckOptions[];
  /** how many tasks the project defines */
  taskCount: number;
}

export interface TaskAckOptions {
  task: string;
  source: string;
  acks_late?: boolean;
  reject_on_worker_lost?: boolean;
  acks_on_failure_or_timeout?: boolean;
}

/** Redis 7's built-in `save` points (redis.conf shipped with 7.0: "save 3600 1 300 100 60 10000"). */
export const REDIS_DEFAULT_SAVE = '3600 1 300 100 60 10000';

const PERSISTENCE = new Set(['appendonly', 'appendfsync', 'save', 'maxmemory-policy', 'maxmemory', 'maxmemory-samples', 'aof-use-rdb-preamble']);

function loc(file: string, line: number): string {
  return `${file}:${line}`;
}

/** `redis-server --appendonly yes --save 60 1` -> { appendonly: 'yes', save: '60 1' } */
function commandOptions(command: string): Map<string, string> {
  const out = new Map<string, string>();
  const words = command.replace(/[[\]",']/g, ' ').split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('--')) continue;
    const name = w.slice(2).toLowerCase();
    const args: string[] = [];
    while (i + 1 < words.length && !words[i + 1]!.startsWith('--')) args.push(words[++i]!);
    out.set(name, args.join(' '));
  }
  return out;
}

export function readDrillFacts(model: ProjectModel, knowledge: Knowledge, app?: string): DrillFacts {
  const directives: string[] = [];
  const found = new Map<string, { value: string; source: string }>();
  const conf = model.redisConfs[0];
  if (conf) {
    for (const d of conf.directives) {
      if (!PERSISTENCE.has(d.name)) continue;
      found.set(d.name === 'save' && found.has('save') ? 'save' : d.name, { value: d.name === 'save' && found.has('save') ? `${found.get('save')!.value} ${d.args.join(' ')}`.trim() : d.args.join(' '), source: loc(d.loc.file ?? conf.file, d.loc.line) });
    }
  }
  const redisSvc = model.composeServices.find(isRedisService);
  if (redisSvc?.command) {
    for (const [name, value] of commandOptions(redisSvc.command)) if (PERSISTENCE.has(name)) found.set(name, { value, source: `${loc(redisSvc.file, redisSvc.loc.line)} (service ${redisSvc.name} command)` });
  }
  for (const [name, f] of found) directives.push(name === 'save' && f.value.replace(/["']/g, '') === '' ? 'save ""' : `${name} ${f.value}`);
  const where = conf ? conf.file : redisSvc ? `${redisSvc.file} (service ${redisSvc.name})` : null;
  const dflt = (what: string): string => where ? `not set in ${where}: Redis default ${what}` : `no redis.conf or compose Redis in the project: Redis default ${what}`;
  const aof = found.get('appendonly');
  const save = found.get('save');
  const policy = found.get('maxmemory-policy');

  // the deployed worker's grace period: compose stop_grace_period / k8s terminationGracePeriodSeconds
  const workers = model.workerCommands.filter((w) => w.subcommand === 'worker' && (!app || !w.app || w.app.split(':')[0] === app.split(':')[0]));
  const withGrace = workers.find((w) => w.deploy?.gracePeriodSeconds !== undefined);
  const k8s = workers.find((w) => w.source === 'k8s');
  const compose = workers.find((w) => w.source === 'compose');
  const grace: FactWithSource<number> = withGrace
    ? { value: withGrace.deploy!.gracePeriodSeconds!, source: `${loc(withGrace.file, withGrace.loc.line)} (${withGrace.source === 'k8s' ? 'terminationGracePeriodSeconds' : 'stop_grace_period'})` }
    : k8s ? { value: 30, source: `${loc(k8s.file, k8s.loc.line)}: no terminationGracePeriodSeconds, Kubernetes default 30 s` }
      : compose ? { value: 10, source: `${loc(compose.file, compose.loc.line)}: no stop_grace_period, Docker Compose default 10 s` }
        : { value: 10, source: 'no compose/k8s worker found: docker stop / Compose default 10 s' };

  const settings = effectiveSettings(model, knowledge);
  const globalAcksLate = settings.some((s) => s.newName === 'task_acks_late' && asBool(s.assignment.value) === true);
  let delay: FactWithSource<number> | null = null;
  const consider = (n: number | null, source: string): void => { if (n !== null && n > 0 && (!delay || n > delay.value)) delay = { value: n, source }; };
  for (const fn of model.functions) {
    for (const call of fn.calls) {
      if (!/(apply_async|retry|signature|\.s|\.si|send_task)$/.test(call.callee)) continue;
      consider(asNumber(call.kwargs.countdown), `${loc(call.loc.file ?? fn.file, call.loc.line)} (${call.callee}(countdown=…))`);
    }
  }
  let runTime: FactWithSource<number> | null = null;
  const considerRun = (n: number | null, source: string): void => { if (n !== null && n > 0 && (!runTime || n > runTime.value)) runTime = { value: n, source }; };
  for (const t of model.tasks) {
    const mayRetry = t.options.autoretry_for !== undefined || /\.retry\s*\(/.test(t.bodyText);
    if (mayRetry) consider(asNumber(t.options.default_retry_delay), `${loc(t.loc.file ?? '', t.loc.line)} (${t.name} default_retry_delay)`);
    const limit = asNumber(t.options.time_limit);
    considerRun(limit, `${loc(t.loc.file ?? '', t.loc.line)} (${t.name} time_limit)`);
    if (asBool(t.options.acks_late) ?? globalAcksLate) consider(limit, `${loc(t.loc.file ?? '', t.loc.line)} (acks_late task ${t.name} time_limit)`);
  }
  for (const s of settings) {
    if (s.newName !== 'task_time_limit') continue;
    const n = asNumber(s.assignment.value);
    considerRun(n, `${loc(s.assignment.keyLoc.file ?? '', s.assignment.keyLoc.line)} (task_time_limit)`);
    if (globalAcksLate) consider(n, `${loc(s.assignment.keyLoc.file ?? '', s.assignment.keyLoc.line)} (task_time_limit of acks_late tasks)`);
  }

  const taskAckOptions: TaskAckOptions[] = [];
  for (const t of model.tasks) {
    const o: TaskAckOptions = { task: t.name, source: loc(t.loc.file, t.loc.line) };
    for (const k of ['acks_late', 'reject_on_worker_lost', 'acks_on_failure_or_timeout'] as const) {
      const b = asBool(t.options[k]);
      if (b !== null) o[k] = b;
    }
    if (Object.keys(o).length > 2) taskAckOptions.push(o);
  }

  return {
    taskAckOptions,
    taskCount: model.tasks.length,
    redisDirectives: { value: directives, source: where ?? 'Redis defaults' },
    appendonly: aof ? { value: /^yes$/i.test(aof.value), source: aof.source } : { value: false, source: dflt('appendonly no') },
    save: save ? { value: save.value.replace(/["']/g, '').trim(), source: save.source } : { value: REDIS_DEFAULT_SAVE, source: dflt(`save ${REDIS_DEFAULT_SAVE}`) },
    maxmemoryPolicy: policy ? { value: policy.value.toLowerCase(), source: policy.source } : { value: 'noeviction', source: dflt('maxmemory-policy noeviction') },
    gracePeriodSeconds: grace,
    longestDelay: delay,
    longestRunTime: runTime,
  };
}
