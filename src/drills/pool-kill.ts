// Drill 2 — the pool child running a task is SIGKILLed, as the kernel's OOM killer does, on every
// delivery of that task (a task that runs out of memory does so each time). What happens follows
// from the app's task_acks_late / task_reject_on_worker_lost / task_acks_on_failure_or_timeout:
// recorded as failed (WorkerLostError), or delivered again — and a task delivered again and again
// is an endless redelivery loop.
import { RedisDrillBroker } from './broker.js';
import { openDrillBroker, otherBrokerFact, type DrillDef } from './drill.js';
import type { TaskAckOptions } from './project.js';
import { KOMBU_VISIBILITY_TIMEOUT, WORK_TASK, effectiveAck, scaledVisibility, secs } from './harness.js';

/** the project's task whose own options make a kill worst (a loop), if any task sets them */
export function riskiestForKill(tasks: TaskAckOptions[]): TaskAckOptions | null {
  return tasks.find((t) => t.reject_on_worker_lost === true) ?? tasks.find((t) => t.acks_on_failure_or_timeout === false) ?? tasks.find((t) => t.acks_late === true) ?? null;
}
import { readException } from '../runtime/protocol.js';

/** a task delivered this many times within the watch window is looping */
const LOOP_DELIVERIES = 3;
/** long enough that billiard notices the dead child and acknowledges or requeues before kombu's restore could race it */
const DRILL_VT = 8;
/** after the last kill, how long a redelivery may take to show up (the scaled visibility timeout + sweeps) */
const QUIET_MS = (DRILL_VT + 3) * 1000;

const SOURCES = [
  'celery@v5.6.3:celery/worker/request.py (Request.on_failure: WorkerLostError with acks_late -> reject(requeue=reject_on_worker_lost) or acknowledge when task_acks_on_failure_or_timeout)',
  'Celery docs, Configuration: task_reject_on_worker_lost — "Enabling this can cause message loops" (celery@v5.6.3:docs/userguide/configuration.rst)',
  'Celery docs, Tasks: acks_late and "Should I use retry or acks_late?" (celery@v5.6.3:docs/userguide/tasks.rst)',
];

export const poolKill: DrillDef = {
  id: 'pool-kill',
  title: 'pool child killed (SIGKILL, as the OOM killer does) during a task',
  brokers: ['redis', 'amqp'],
  budgetMs: 45_000,
  broker: (ctx) => openDrillBroker(ctx),
  setting: () => ({ name: 'task_acks_late / task_reject_on_worker_lost / task_acks_on_failure_or_timeout', value: 'as the worker reports it', fix: 'see the outcome', sources: SOURCES }),
  async run(run) {
    const { ctx, timeline } = run;
    if (ctx.pool !== 'prefork') {
      return { verdict: 'skip', summary: `the deployed pool is ${ctx.pool}: tasks run inside the worker process, so an OOM kill ends the whole worker (see the warm-shutdown drill)`, reason: `no pool child under -P ${ctx.pool}`, counts: {}, facts: [], setting: poolKill.setting(ctx) };
    }
    const t = await run.broker.transport();
    try {
      const modeled = riskiestForKill(ctx.facts.taskAckOptions);
      await run.startWorker(t, { concurrency: 1, pool: 'prefork', overrides: scaledVisibility(DRILL_VT), taskOptions: modeled });
      const conf = run.conf();
      const { acksLate, reject, acksOnFailure } = effectiveAck(conf, modeled);
      const value = `acks_late=${acksLate}, reject_on_worker_lost=${reject}, acks_on_failure_or_timeout=${acksOnFailure}`;
      const facts = [
        `worker: celery ${conf?.celery}, kombu ${conf?.kombu}; app defaults task_acks_late=${conf?.task_acks_late}, task_reject_on_worker_lost=${conf?.task_reject_on_worker_lost}, task_acks_on_failure_or_timeout=${conf?.task_acks_on_failure_or_timeout}`,
        modeled ? `drilled as task ${modeled.task} (${modeled.source}), whose own options give ${value}` : `drilled with the app's defaults (${value}): no task sets its own acks options`,
        ...otherBrokerFact(ctx),
        `visibility_timeout scaled from ${conf?.app_visibility_timeout ?? KOMBU_VISIBILITY_TIMEOUT} s to ${DRILL_VT} s for the drill (unacked messages swept every 0.25 s)`,
        'the pool child is killed on every delivery of the task, as a task that exhausts memory is',
      ];
      const id = await t.publish({ task: WORK_TASK, args: [30] }, { queue: run.queue });
      timeline.add('published one 30 s task');
      const killed = new Set<number>();
      let lastKill = 0;
      let deliveries = 0;
      let recorded: string | null = null;
      const results = run.broker.resultClient();
      for (;;) {
        if (!recorded) {
          const raw = await results.get(`celery-task-meta-${id}`).catch(() => null);
          const status = raw ? (JSON.parse(raw) as { status?: string }).status ?? null : null;
          if (status && status !== 'STARTED' && status !== 'PENDING') { recorded = status; timeline.add(`result backend: ${status} stored`); }
        }
        const starts = run.starts(id);
        for (const s of starts.slice(deliveries)) {
          deliveries++;
          timeline.add(`delivery ${deliveries} started in pool child ${s.pid}${s.redelivered ? ' (redelivered flag set)' : ''}`);
          if (deliveries <= LOOP_DELIVERIES && !killed.has(s.pid)) {
            try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
            killed.add(s.pid);
            lastKill = Date.now();
            timeline.add(`pool child ${s.pid} killed (SIGKILL)`);
          }
        }
        if (deliveries >= LOOP_DELIVERIES) break;
        if (lastKill && Date.now() - lastKill > QUIET_MS) break;
        if (!lastKill && Date.now() - timeline.started > 20_000) break;
        await run.sleep(50);
      }
      results.disconnect();
      const result = await t.waitResult(id, 500);
      const exc = result ? readException(result) : null;
      if (result) timeline.add(`result backend: ${result.status}${exc ? ` ${exc.excType}: ${exc.excMessage.slice(0, 120)}` : ''}`);
      const counts = { deliveries, kills: killed.size, completed: run.ends(id).length };
      if (deliveries === 0) return { verdict: 'fail', summary: 'the task never started', counts, facts, setting: { name: 'task_acks_late', value, fix: 'check the worker log', sources: SOURCES } };
      if (deliveries >= LOOP_DELIVERIES) {
        const cause = acksLate && reject ? 'task_reject_on_worker_lost=True requeues the task every time its process dies' : acksLate && !acksOnFailure ? 'task_acks_on_failure_or_timeout=False leaves the message unacknowledged, so Redis redelivers it after every visibility timeout' : 'the message is delivered again every time its process dies';
        return {
          verdict: 'fail', counts, facts,
          summary: `endless redelivery loop: delivered ${deliveries} times in ${secs(Date.now() - timeline.started)}, killed each time (${cause})`,
          setting: { name: acksLate && reject ? 'task_reject_on_worker_lost' : 'task_acks_on_failure_or_timeout', value, fix: 'leave task_reject_on_worker_lost unset (False) and task_acks_on_failure_or_timeout=True so a task whose process was killed is recorded as failed (WorkerLostError) once; if it must run again, retry it from the task with max_retries, and cap memory with worker_max_memory_per_child', sources: SOURCES },
        };
      }
      const outcome = deliveries === 1
        ? `recorded as ${result?.status ?? 'no result'}${exc ? ` (${exc.excType})` : ''}, not delivered again`
        : `delivered ${deliveries} times, then no more within ${secs(QUIET_MS)}`;
      return {
        verdict: 'pass', counts, facts,
        summary: `the killed task was ${outcome}${acksLate ? '' : ': with acks early it is not run again; acks_late + task_reject_on_worker_lost would requeue it (and loop if it keeps dying)'}`,
        setting: { name: 'task_acks_late / task_reject_on_worker_lost', value, fix: acksLate ? 'keep task_reject_on_worker_lost off unless the task is safe to retry forever' : 'to run such a task again, use acks_late with a bounded retry in the task, not task_reject_on_worker_lost', sources: SOURCES },
      };
    } finally {
      await t.close().catch(() => undefined);
    }
  },
};
