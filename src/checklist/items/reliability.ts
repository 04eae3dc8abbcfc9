// Reliability: time limits, acks, visibility timeout, prefetch, child recycling, result expiry,
// connection retry on startup, dedicated queues, beat schedule persistence.
// Facts are Celery's own (celery/app/defaults.py, docs/userguide/configuration.rst, v5.6.3).
import { hasOption, optionValue } from '../../model/integrations/celery-command.js';
import type { DetectContext, Evidence, ItemDef } from '../types.js';
import { commandEvidence, commands, findingEvidence, findings, plural, setting, settingEvidence } from '../facts.js';
import { asBool, asNumber, asString, dictGet } from '../../rules/lib/values.js';
import { usesRedisBroker } from '../../rules/lib/broker.js';
import { workerPools } from '../../rules/lib/task-code.js';
import { isTestFile } from '../../rules/lib/settings.js';

const CONFIG_DOCS = (what: string): { title: string; ref: string } => ({ title: `Celery docs, Configuration: ${what}`, ref: 'celery@v5.6.3:docs/userguide/configuration.rst' });

function num(ctx: DetectContext, name: string): number | null {
  return asNumber(setting(ctx, name)?.assignment.value);
}
/** `--max-tasks-per-child=10`, `--max-tasks-per-child 10` on a worker command line */
function productionTasks(ctx: DetectContext): DetectContext['model']['tasks'] {
  return ctx.model.tasks.filter((t) => !isTestFile(t.file));
}

export const timeLimits: ItemDef = {
  id: 'reliability.time-limits',
  settings: ['task_time_limit'], cliToo: true,
  category: 'reliability',
  title: 'Task time limits set, soft limit below the hard limit',
  severity: 'high',
  howDetected: '`task_time_limit` / `task_soft_time_limit` settings and per-task `time_limit` / `soft_time_limit`; audit rules JC604 and JC605',
  fix: 'Set `task_time_limit` and a lower `task_soft_time_limit` (e.g. 600 / 540) and override per task where needed.',
  sources: [CONFIG_DOCS('task_time_limit, task_soft_time_limit'), { title: 'Celery docs, Workers: Time limits', ref: 'celery@v5.6.3:docs/userguide/workers.rst' }],
  detect(ctx) {
    const bad = [...findings(ctx, 'JC604'), ...findings(ctx, 'JC605')];
    if (bad.length > 0) return { status: 'fail', detail: bad.some((f) => f.ruleId === 'JC604') ? 'a soft limit is not below its hard limit: the soft limit never fires' : 'no time limit: a hung task holds its worker slot forever', evidence: bad.map(findingEvidence) };
    const tasks = productionTasks(ctx);
    if (tasks.length === 0) return { status: 'na', detail: 'no Celery tasks found' };
    const hard = setting(ctx, 'task_time_limit');
    const soft = setting(ctx, 'task_soft_time_limit');
    const h = asNumber(hard?.assignment.value);
    if (h !== null) {
      const ev = [settingEvidence(hard!), ...(soft ? [settingEvidence(soft)] : [])];
      if (soft === undefined) return { status: 'warn', detail: `hard limit ${h} s but no soft limit: tasks are killed without a chance to clean up (SoftTimeLimitExceeded)`, evidence: ev };
      return { status: 'pass', detail: `hard ${h} s, soft ${asNumber(soft.assignment.value) ?? '?'} s`, evidence: ev };
    }
    const withLimit = tasks.filter((t) => t.options.time_limit !== undefined);
    if (hard === undefined && withLimit.length === tasks.length) return { status: 'pass', detail: `every task sets its own time_limit (${tasks.length})` };
    return { status: 'warn', detail: 'task_time_limit is set to a value jobctl cannot evaluate', evidence: hard ? [settingEvidence(hard)] : [] };
  },
};

export const acksLate: ItemDef = {
  id: 'reliability.acks-late',
  settings: ['task_acks_late'],
  category: 'reliability',
  title: 'task_acks_late with task_reject_on_worker_lost (a killed worker does not lose its task)',
  severity: 'medium',
  howDetected: '`task_acks_late` and `task_reject_on_worker_lost` settings, or `acks_late=True` on every task',
  fix: 'Set `task_acks_late = True` and `task_reject_on_worker_lost = True` for idempotent tasks (and raise the visibility timeout above the longest run time on Redis/SQS).',
  sources: [CONFIG_DOCS('task_acks_late, task_reject_on_worker_lost'), { title: 'Celery FAQ: Should I use retry or acks_late?', ref: 'celery@v5.6.3:docs/faq.rst' }],
  detect(ctx) {
    const tasks = productionTasks(ctx);
    if (tasks.length === 0) return { status: 'na', detail: 'no Celery tasks found' };
    const late = setting(ctx, 'task_acks_late');
    const reject = setting(ctx, 'task_reject_on_worker_lost');
    const globalLate = asBool(late?.assignment.value) === true;
    const allLate = globalLate || tasks.every((t) => asBool(t.options.acks_late) === true);
    const rejectOn = asBool(reject?.assignment.value) === true || tasks.every((t) => asBool(t.options.reject_on_worker_lost) === true);
    const ev: Evidence[] = [late, reject].filter((s) => s !== undefined).map((s) => settingEvidence(s!));
    if (allLate && rejectOn) return { status: 'pass', detail: 'messages are acknowledged after the task finishes and re-queued when the worker process dies', evidence: ev };
    if (allLate) return { status: 'warn', detail: 'acks_late without task_reject_on_worker_lost: a task whose process is killed (OOM, SIGKILL) is acknowledged as failed, not re-queued', evidence: ev };
    return { status: 'warn', detail: 'tasks are acknowledged before they run (Celery\'s default): a worker crash or deploy loses the tasks it was running', evidence: ev };
  },
};

const DEFAULT_VISIBILITY_TIMEOUT = 3600; // kombu@v5.6.2:kombu/transport/redis.py Channel.visibility_timeout

export const visibilityTimeout: ItemDef = {
  id: 'reliability.visibility-timeout',
  settings: ['broker_transport_options'],
  category: 'reliability',
  title: 'Visibility timeout above the longest ETA/countdown and acks_late run time (Redis/SQS)',
  severity: 'high',
  howDetected: 'audit rule JC603: `broker_transport_options.visibility_timeout` (default 3600 s) against countdowns, retry delays and acks_late time limits',
  fix: "Raise `broker_transport_options={'visibility_timeout': N}` (and `result_backend_transport_options`) above the longest delay and run time, or schedule long delays with beat.",
  sources: [{ title: 'Celery docs, Using Redis: Visibility timeout', ref: 'celery@v5.6.3:docs/getting-started/backends-and-brokers/redis.rst' }],
  detect(ctx) {
    if (!usesRedisBroker(ctx.model, ctx.knowledge) && ctx.model.redisConfs.length === 0 && !ctx.model.composeServices.some((s) => /redis/i.test(s.image ?? ''))) {
      return { status: 'na', detail: 'no Redis broker found (the visibility timeout applies to Redis and SQS)' };
    }
    const bad = findings(ctx, 'JC603');
    if (bad.length > 0) return { status: 'fail', detail: 'a task can be redelivered while it is still waiting or running: it runs twice', evidence: bad.map(findingEvidence) };
    const bto = setting(ctx, 'broker_transport_options');
    const vt = asNumber(dictGet(bto?.assignment.value, 'visibility_timeout'));
    const hard = num(ctx, 'task_time_limit');
    return { status: 'pass', detail: `visibility timeout ${vt ?? `${DEFAULT_VISIBILITY_TIMEOUT} (default)`} s${hard !== null ? `, longest time limit ${hard} s` : ''}; no countdown, retry delay or acks_late limit exceeds it`, evidence: bto ? [settingEvidence(bto)] : [] };
  },
};

export const prefetch: ItemDef = {
  id: 'reliability.prefetch',
  settings: ['worker_prefetch_multiplier'], cliToo: true,
  category: 'reliability',
  title: 'Prefetch limited for long-running tasks (worker_prefetch_multiplier = 1)',
  severity: 'medium',
  howDetected: '`worker_prefetch_multiplier` setting or `--prefetch-multiplier` on worker commands',
  fix: 'Set `worker_prefetch_multiplier = 1` when tasks run for seconds or longer, so a process does not reserve tasks it cannot start.',
  sources: [{ title: 'Celery docs, Optimizing: Prefetch limits', ref: 'celery@v5.6.3:docs/userguide/optimizing.rst' }, CONFIG_DOCS('worker_prefetch_multiplier (default 4)')],
  detect(ctx) {
    const s = setting(ctx, 'worker_prefetch_multiplier');
    const v = asNumber(s?.assignment.value);
    const cmds = commands(ctx, 'worker').filter((w) => optionValue(w.argv, null, '--prefetch-multiplier') !== null);
    if (v === 1 || (cmds.length > 0 && cmds.every((w) => optionValue(w.argv, null, '--prefetch-multiplier') === '1'))) {
      return { status: 'pass', detail: 'each worker process reserves one task at a time', evidence: [...(s ? [settingEvidence(s)] : []), ...cmds.map(commandEvidence)] };
    }
    return { status: 'warn', detail: `worker_prefetch_multiplier is ${v ?? '4 (default)'}: each process reserves ${v ?? 4} tasks, so short tasks wait behind long ones`, evidence: s ? [settingEvidence(s)] : [] };
  },
};

export const childRecycling: ItemDef = {
  id: 'reliability.child-recycling',
  settings: ['worker_max_tasks_per_child', 'worker_max_memory_per_child'], cliToo: true,
  category: 'reliability',
  title: 'Worker processes recycled (worker_max_tasks_per_child / worker_max_memory_per_child)',
  severity: 'low',
  howDetected: '`worker_max_tasks_per_child` / `worker_max_memory_per_child` settings or the matching worker options; prefork pool only',
  fix: 'Set `worker_max_tasks_per_child` (e.g. 500) and/or `worker_max_memory_per_child` (KiB) so leaking tasks cannot grow a process without bound.',
  sources: [CONFIG_DOCS('worker_max_tasks_per_child, worker_max_memory_per_child')],
  detect(ctx) {
    const pools = workerPools(ctx.model, ctx.knowledge);
    if (pools.length > 0 && pools.every((p) => p.pool !== 'prefork')) return { status: 'na', detail: `workers run the ${[...new Set(pools.map((p) => p.pool))].join('/')} pool: child recycling applies to prefork only` };
    const ev: Evidence[] = [];
    for (const name of ['worker_max_tasks_per_child', 'worker_max_memory_per_child']) {
      const s = setting(ctx, name);
      if (s && asNumber(s.assignment.value) !== null) ev.push(settingEvidence(s));
    }
    for (const w of commands(ctx, 'worker')) if (hasOption(w.argv, ['--max-tasks-per-child', '--max-memory-per-child'])) ev.push(commandEvidence(w));
    if (ev.length > 0) return { status: 'pass', detail: 'pool processes are replaced after a task count / memory limit', evidence: ev };
    return { status: 'warn', detail: 'pool processes live forever: a slow memory leak grows until the OOM killer ends the worker' };
  },
};

export const resultExpires: ItemDef = {
  id: 'reliability.result-expires',
  settings: ['result_expires', 'result_backend'],
  category: 'reliability',
  title: 'Task results expire (result_expires)',
  severity: 'low',
  howDetected: '`result_expires` setting (Celery\'s default is 1 day; 0/None keeps results forever)',
  fix: 'Keep `result_expires` set (e.g. 3600–86400 s); with a database backend run `celery beat` so `celery.backend_cleanup` deletes them.',
  sources: [CONFIG_DOCS('result_expires (default 1 day)')],
  detect(ctx) {
    const backend = setting(ctx, 'result_backend');
    const s = setting(ctx, 'result_expires');
    if (s) {
      const v = s.assignment.value;
      const n = asNumber(v);
      if (v.kind === 'none' || n === 0) return { status: 'fail', detail: 'results never expire: the result backend grows without bound', evidence: [settingEvidence(s)] };
      return { status: 'pass', detail: n !== null ? `results expire after ${n} s` : 'result_expires is set', evidence: [settingEvidence(s)] };
    }
    if (!backend) return { status: 'na', detail: 'no result backend configured' };
    return { status: 'pass', detail: 'Celery\'s default: results expire after 1 day', evidence: [settingEvidence(backend)] };
  },
};

export const connectionRetry: ItemDef = {
  id: 'reliability.connection-retry-on-startup',
  settings: ['broker_connection_retry_on_startup'],
  category: 'reliability',
  title: 'broker_connection_retry_on_startup set explicitly',
  severity: 'medium',
  howDetected: '`broker_connection_retry_on_startup` setting; audit rule JC106 (the deprecation warning of the detected version)',
  fix: 'Set `broker_connection_retry_on_startup = True` so workers started before the broker keep retrying (Celery marks the fallback to `broker_connection_retry` as going away in 6.0).',
  sources: [{ title: 'Celery code: ensure_connected ("We will make the switch in Celery 6.0")', ref: 'celery@v5.6.3:celery/worker/consumer/consumer.py' }, CONFIG_DOCS('broker_connection_retry_on_startup')],
  detect(ctx) {
    const bad = findings(ctx, 'JC106');
    if (bad.length > 0) return { status: 'fail', detail: 'the detected Celery version warns about the unset setting', evidence: bad.map(findingEvidence) };
    const s = setting(ctx, 'broker_connection_retry_on_startup');
    if (s) {
      const v = asBool(s.assignment.value);
      if (v === false) return { status: 'warn', detail: 'retry on startup is off: a worker started before the broker exits instead of waiting', evidence: [settingEvidence(s)] };
      return { status: 'pass', detail: 'set explicitly', evidence: [settingEvidence(s)] };
    }
    return { status: 'warn', detail: 'unset: retrying on startup falls back to broker_connection_retry, a fallback Celery\'s code says goes away in 6.0' };
  },
};

export const dedicatedQueues: ItemDef = {
  id: 'reliability.dedicated-queues',
  settings: ['task_queues', 'task_routes', 'task_default_queue'],
  category: 'reliability',
  title: 'Dedicated queues per workload, each with its own worker',
  severity: 'medium',
  howDetected: 'queues from `task_queues` / `task_routes` / `task_default_queue` against the `-Q` of each worker command (compose, Procfile, Dockerfile, systemd)',
  fix: 'Route workloads to their own queues and run one worker (service) per queue with its own concurrency, so slow jobs cannot starve urgent ones (`celery worker -Q notifications --concurrency=8`).',
  sources: [{ title: 'Celery docs, Routing tasks', ref: 'celery@v5.6.3:docs/userguide/routing.rst' }, { title: 'Celery docs, Workers: Queues', ref: 'celery@v5.6.3:docs/userguide/workers.rst' }],
  detect(ctx) {
    const queues = new Set<string>();
    const q = setting(ctx, 'task_queues');
    const qv = q?.assignment.value;
    if (qv?.kind === 'list') {
      // Queue('name') / Queue(name='x') items are calls the model keeps as source text
      for (const item of qv.items) {
        const text = item.kind === 'expr' ? item.text : item.kind === 'str' ? `Queue('${item.value}')` : '';
        const m = /Queue\(\s*(?:name\s*=\s*)?['"]([^'"]+)['"]/.exec(text);
        if (m) queues.add(m[1]!);
      }
    } else if (qv?.kind === 'dict') {
      for (const e of qv.entries) if (e.key.kind === 'str') queues.add(e.key.value);
    } else if (qv?.kind === 'expr') {
      for (const m of qv.text.matchAll(/Queue\(\s*(?:name\s*=\s*)?['"]([^'"]+)['"]/g)) queues.add(m[1]!);
    }
    const routes = setting(ctx, 'task_routes');
    if (routes?.assignment.value.kind === 'dict') {
      for (const e of routes.assignment.value.entries) {
        const name = asString(dictGet(e.value, 'queue'));
        if (name) queues.add(name);
      }
    }
    const dq = asString(setting(ctx, 'task_default_queue')?.assignment.value);
    if (dq) queues.add(dq);
    const workers = commands(ctx, 'worker');
    if (workers.length === 0) return { status: 'unconfirmed', detail: `no worker command found in compose/Procfile/Dockerfile/systemd${queues.size ? ` (queues: ${[...queues].join(', ')})` : ''}: confirm how workers are started and which queues each consumes` };
    const ev = workers.map(commandEvidence);
    if (queues.size <= 1) {
      return { status: 'warn', detail: `every task goes to one queue${queues.size ? ` (${[...queues][0]})` : ' (celery)'}: a burst of slow tasks delays every other task`, evidence: ev };
    }
    const all = [...queues];
    const consumesAll = workers.filter((w) => w.queues.length === 0 || all.every((name) => w.queues.includes(name)));
    if (consumesAll.length > 0 && workers.length === consumesAll.length) {
      return { status: 'warn', detail: `${plural(queues.size, 'queue')} (${all.join(', ')}) but ${consumesAll.length === 1 ? 'one worker consumes all of them' : 'every worker consumes all of them'}: no isolation or separate scaling per workload`, evidence: ev };
    }
    const queueSets = new Set(workers.map((w) => [...w.queues].sort().join(',')));
    return { status: 'pass', detail: `${plural(workers.length, 'worker command')} with ${plural(queueSets.size, 'distinct queue set')} for ${all.join(', ')}`, evidence: ev };
  },
};

const PERSISTENT_SCHEDULERS = /django_celery_beat|sqlalchemy_celery_beat|celery_sqlalchemy_scheduler|redbeat|RedBeatScheduler|DatabaseScheduler|mongo/i;

export const beatPersistence: ItemDef = {
  id: 'reliability.beat-persistence',
  settings: ['beat_scheduler', 'beat_schedule_filename', 'beat_schedule'], cliToo: true,
  category: 'reliability',
  title: 'Beat schedule state survives restarts and redeploys',
  severity: 'low',
  howDetected: '`beat_scheduler` (database/Redis schedulers), `beat_schedule_filename` or `beat -s` with an absolute path (expected on a volume), for projects that run `celery beat` or define `beat_schedule`',
  fix: 'Keep the schedule file on a persistent volume (`beat_schedule_filename = "/var/lib/celery/beat/celerybeat-schedule"` plus a volume), or use a database scheduler (django-celery-beat, sqlalchemy-celery-beat, celery-redbeat).',
  sources: [{ title: 'Celery docs, Periodic tasks: Using custom scheduler classes', ref: 'celery@v5.6.3:docs/userguide/periodic-tasks.rst' }, { title: 'ScheduleEntry: last_run_at defaults to now (a new schedule file restarts every interval)', ref: 'celery@v5.6.3:celery/beat.py' }],
  detect(ctx) {
    const beats = [...commands(ctx, 'beat'), ...commands(ctx, 'worker').filter((w) => w.argv.includes('-B') || w.argv.includes('--beat'))];
    const schedule = setting(ctx, 'beat_schedule');
    if (beats.length === 0 && !schedule) return { status: 'na', detail: 'no celery beat and no beat_schedule' };
    const scheduler = setting(ctx, 'beat_scheduler');
    const schedName = asString(scheduler?.assignment.value) ?? '';
    const cliSched = beats.map((b) => optionValue(b.argv, '-S', '--scheduler')).find((s) => s !== null) ?? '';
    if (PERSISTENT_SCHEDULERS.test(schedName) || PERSISTENT_SCHEDULERS.test(cliSched)) {
      return { status: 'pass', detail: `schedule state is kept by ${schedName || cliSched}`, evidence: [...(scheduler ? [settingEvidence(scheduler)] : []), ...beats.map(commandEvidence)] };
    }
    const file = setting(ctx, 'beat_schedule_filename');
    const fileName = asString(file?.assignment.value) ?? beats.map((b) => optionValue(b.argv, '-s', '--schedule')).find((s) => s !== null) ?? null;
    if (fileName && fileName.startsWith('/')) {
      return { status: 'pass', detail: `schedule file at ${fileName} (keep it on a persistent volume)`, evidence: [...(file ? [settingEvidence(file)] : []), ...beats.map(commandEvidence)] };
    }
    const inContainer = beats.some((b) => b.source === 'compose' || b.source === 'dockerfile');
    return {
      status: 'warn',
      detail: `the default PersistentScheduler keeps ${fileName ?? 'celerybeat-schedule'} in the working directory${inContainer ? ' inside the container, lost on every redeploy' : ''}: interval schedules restart their countdown and last-run times are forgotten`,
      evidence: [...(schedule ? [settingEvidence(schedule)] : []), ...beats.map(commandEvidence)],
    };
  },
};

export const shutdownSignal: ItemDef = {
  id: 'reliability.shutdown-signal',
  category: 'reliability',
  title: 'Deploy signals reach the worker (SIGTERM starts its warm shutdown)',
  severity: 'high',
  howDetected: 'how each worker command found is started: a backgrounded worker (JC402), a container start script without `exec` (JC404), `celery multi` under supervisord or as a container\'s process (JC405)',
  fix: 'Make the worker the process the platform signals: `exec celery … worker` in start scripts, one foreground `celery worker` per supervisord program or container.',
  sources: [{ title: 'Celery docs, Workers: Stopping the worker', ref: 'celery@v5.6.3:docs/userguide/workers.rst' }, { title: 'Shells keep the parent of a script file\'s last command', ref: 'docs/evidence/shell-exec-last-command.txt' }],
  detect(ctx) {
    const bad = [...findings(ctx, 'JC402'), ...findings(ctx, 'JC404'), ...findings(ctx, 'JC405')];
    if (bad.length > 0) return { status: 'fail', detail: 'a worker does not get the deploy\'s SIGTERM: no warm shutdown, running tasks are killed when the grace period ends', evidence: bad.map(findingEvidence) };
    const workers = commands(ctx, 'worker');
    if (workers.length === 0) return { status: 'unconfirmed', detail: 'no worker start command found in the project: check that the process your platform stops is the worker itself' };
    return { status: 'pass', detail: `${plural(workers.length, 'worker command')} found, each started where the stop signal reaches it`, evidence: workers.slice(0, 5).map(commandEvidence) };
  },
};

export const reliabilityItems: ItemDef[] = [timeLimits, acksLate, visibilityTimeout, prefetch, childRecycling, resultExpires, connectionRetry, dedicatedQueues, beatPersistence, shutdownSignal];
