// Drill 5 — the platform stops the worker: SIGTERM (Celery's warm shutdown: finish what runs),
// then SIGKILL to every process once the grace period is over (compose stop_grace_period, k8s
// terminationGracePeriodSeconds; 10 s / 30 s by default). A task in flight either finishes, is
// re-queued (acks_late on Redis: restored by the next worker once visibility_timeout has passed),
// or is lost (acknowledged on receipt, then killed).
import { RedisDrillBroker } from './broker.js';
import { openDrillBroker, otherBrokerFact, type DrillDef } from './drill.js';
import { KOMBU_VISIBILITY_TIMEOUT, WORK_TASK, effectiveAck, scaledVisibility, secs } from './harness.js';

const DRILL_GRACE = 3;
const MAX_FACTOR = 2.5;
const NEXT_VT = 2;

const SOURCES = [
  'Celery docs, Workers: Stopping the worker (warm shutdown on TERM) (celery@v5.6.3:docs/userguide/workers.rst)',
  'Docker Compose docs: stop_grace_period (default 10s): https://docs.docker.com/reference/compose-file/services/#stop_grace_period',
  'Kubernetes docs: Pod termination, terminationGracePeriodSeconds (default 30): https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination',
  'celery@v5.6.3:celery/worker/request.py (acks_late: the message is acknowledged after the task returns)',
];

export const warmShutdown: DrillDef = {
  id: 'warm-shutdown',
  title: 'warm shutdown vs the platform\'s grace period',
  brokers: ['redis', 'amqp'],
  budgetMs: 45_000,
  broker: (ctx) => openDrillBroker(ctx),
  setting: (ctx) => ({
    name: 'stop_grace_period / terminationGracePeriodSeconds vs task_time_limit',
    value: `grace ${ctx.facts.gracePeriodSeconds.value} s (${ctx.facts.gracePeriodSeconds.source}); longest run time ${ctx.facts.longestRunTime ? `${ctx.facts.longestRunTime.value} s (${ctx.facts.longestRunTime.source})` : 'unbounded (no time limit found)'}`,
    fix: 'keep task_time_limit below the grace period (or raise stop_grace_period / terminationGracePeriodSeconds above the longest task), and use acks_late for tasks that must survive a kill',
    sources: SOURCES,
  }),
  async run(run) {
    const { ctx, timeline } = run;
    const grace = ctx.facts.gracePeriodSeconds;
    const t = await run.broker.transport();
    try {
      // when every task sets its own acks_late, the drill task takes on the riskiest one (acks early: lost on a kill)
      const own = ctx.facts.taskAckOptions.filter((o) => o.acks_late !== undefined);
      const modeled = ctx.facts.taskCount > 0 && own.length === ctx.facts.taskCount ? own.find((o) => o.acks_late === false) ?? own[0]! : null;
      const w = await run.startWorker(t, { concurrency: 1, taskOptions: modeled });
      const conf = run.conf();
      const ack = effectiveAck(conf, modeled);
      const runTime = ctx.facts.longestRunTime?.value ?? conf?.task_time_limit ?? null;
      const factor = DRILL_GRACE / grace.value;
      const scaled = runTime !== null ? Math.min(runTime * factor, DRILL_GRACE * MAX_FACTOR) : DRILL_GRACE * 2;
      const facts = [
        `grace period ${grace.value} s (${grace.source})`,
        runTime !== null ? `longest run time ${runTime} s (${ctx.facts.longestRunTime?.source ?? 'task_time_limit'})` : 'no task_time_limit or time_limit: a task may run longer than any grace period; drilled with one twice as long',
        `scaled by ${DRILL_GRACE}/${grace.value}: grace ${DRILL_GRACE} s, task ${scaled.toFixed(2)} s`,
        `worker: celery ${conf?.celery}; task_acks_late=${conf?.task_acks_late}, worker_soft_shutdown_timeout=${conf?.worker_soft_shutdown_timeout ?? 'n/a'}`,
        modeled ? `every task sets its own acks_late: drilled as task ${modeled.task} (${modeled.source}, acks_late=${ack.acksLate})` : `drilled with the app's default acks_late=${ack.acksLate}`,
        ...otherBrokerFact(ctx),
      ];
      const id = await t.publish({ task: WORK_TASK, args: [scaled] }, { queue: run.queue });
      await run.waitFor(() => run.starts(id).length > 0, 10_000);
      await run.sleep(200);
      timeline.add(`task running (${scaled.toFixed(2)} s); SIGTERM to the worker`);
      w.process.signalLeader('SIGTERM');
      const sigterm = Date.now();
      const exitedInTime = await run.waitFor(() => w.process.hasExited(), DRILL_GRACE * 1000, 50);
      if (exitedInTime) timeline.add(`worker exited ${secs(Date.now() - sigterm)} after SIGTERM`);
      else {
        try { process.kill(-w.process.pid, 'SIGKILL'); } catch { /* gone */ }
        await w.exited;
        timeline.add(`grace period over: every worker process SIGKILLed ${secs(Date.now() - sigterm)} after SIGTERM`);
      }
      const finished = run.ends(id).length > 0;
      if (finished) timeline.add(`the task finished ${secs(Math.round(run.ends(id)[0]!.at * 1000 - sigterm))} after SIGTERM`);
      let outcome: 'finished' | 're-queued' | 'lost';
      let requeueMs: number | null = null;
      if (run.broker instanceof RedisDrillBroker) {
        const c = run.broker.client();
        const unacked = await c.hlen(w.ownKeys[0]!).catch(() => -1);
        c.disconnect();
        timeline.add(`after the stop: ${await run.broker.queueDepth(run.queue)} message(s) in the queue, ${unacked} in the stopped worker's unacked hash`);
      }
      if (finished) outcome = 'finished';
      else {
        // the next worker restores what was left unacknowledged once visibility_timeout has passed (scaled down here)
        const next = Date.now();
        await run.startWorker(t, { concurrency: 1, overrides: scaledVisibility(NEXT_VT), nodename: w.nodename, taskOptions: modeled });
        const again = await run.waitFor(() => run.starts(id).length > 1, (NEXT_VT + 4) * 1000);
        outcome = again ? 're-queued' : 'lost';
        if (again) requeueMs = Math.round(run.starts(id)[1]!.at * 1000 - next);
        const vtNote = run.broker.kind === 'redis' ? ` (visibility_timeout scaled to ${NEXT_VT} s)` : '';
        timeline.add(again ? `the next worker ran it again ${secs(requeueMs!)} after starting${vtNote}` : `the next worker never received it (watched ${NEXT_VT + 4} s${vtNote})`);
      }
      const counts = { grace_ms: DRILL_GRACE * 1000, task_ms: Math.round(scaled * 1000), finished: finished ? 1 : 0, requeued: outcome === 're-queued' ? 1 : 0, lost: outcome === 'lost' ? 1 : 0, ...(requeueMs !== null ? { requeue_ms: requeueMs } : {}) };
      const setting = warmShutdown.setting(ctx);
      const vt = conf?.app_visibility_timeout ?? KOMBU_VISIBILITY_TIMEOUT;
      if (outcome === 'finished') return { verdict: 'pass', counts, facts, setting, summary: `the task in flight finished within the grace period (${scaled.toFixed(2)} s of ${DRILL_GRACE} s, scaled)` };
      if (outcome === 're-queued') return { verdict: 'pass', counts, facts, setting, summary: `killed at the end of the grace period; re-queued (acks_late) and run again by the next worker — ${run.broker.kind === 'amqp' ? 'RabbitMQ requeues it as soon as the killed worker\'s connection closes' : `in production only after visibility_timeout (${vt} s)`}, and it runs twice if it had side effects` };
      return { verdict: 'fail', counts, facts, setting, summary: `the task in flight was lost: killed at the end of the ${grace.value} s grace period${ack.acksLate ? '' : ' after it had been acknowledged on receipt (acks_late off)'}, and never ran again${runTime === null ? ' (no time limit: drilled with a task twice the grace period)' : ''}` };
    } finally {
      await t.close().catch(() => undefined);
    }
  },
};
