// Drill 3 (Redis) — a countdown/ETA, or an acks_late task's run time, longer than the visibility
// timeout. The worker holds such a message unacknowledged; once visibility_timeout has passed,
// kombu restores it to the queue (on its own sweep schedule) and the task runs again. The drill
// scales the project's longest delay and the app's visibility_timeout down by the same factor,
// measures when the message was restored, and counts the executions.
import { RedisDrillBroker } from './broker.js';
import { redisOnly, type DrillDef } from './drill.js';
import { KOMBU_VISIBILITY_TIMEOUT, WORK_TASK, scaledVisibility, secs } from './harness.js';

const DRILL_VT = 3;
const MAX_FACTOR = 2.5;

const SOURCES = [
  'Celery docs, Using Redis: Visibility timeout (celery@v5.6.3:docs/getting-started/backends-and-brokers/redis.rst)',
  'kombu@v5.7.0:kombu/transport/redis.py (QoS.restore_visible; Channel.visibility_timeout = 3600, unacked_restore_interval = 10, unacked_restore_throttle = 10)',
];

export const visibilityTimeout: DrillDef = {
  id: 'visibility-timeout',
  title: 'visibility timeout vs the longest countdown/ETA or acks_late run time (Redis)',
  brokers: ['redis'],
  notApplicable: redisOnly('the visibility timeout is a Redis (and SQS) transport behaviour: RabbitMQ holds unacknowledged messages until the connection closes'),
  budgetMs: 45_000,
  broker: () => RedisDrillBroker.open({ directives: [] }),
  setting: (ctx) => ({
    name: "broker_transport_options['visibility_timeout']",
    value: 'as the worker reports it',
    fix: ctx.facts.longestDelay ? `raise visibility_timeout above ${ctx.facts.longestDelay.value} s (the longest delay, ${ctx.facts.longestDelay.source}), or shorten the delay (beat for long schedules)` : 'keep every countdown/ETA and acks_late run time below visibility_timeout',
    sources: SOURCES,
  }),
  async run(run) {
    const { ctx, timeline } = run;
    const t = await run.broker.transport();
    const watch = (run.broker as RedisDrillBroker).client();
    try {
      const w = await run.startWorker(t, { concurrency: 1, overrides: scaledVisibility(DRILL_VT) });
      const conf = run.conf();
      const vt = conf?.app_visibility_timeout ?? KOMBU_VISIBILITY_TIMEOUT;
      const factor = DRILL_VT / vt;
      const delay = ctx.facts.longestDelay;
      const acksLateRun = Boolean(delay && /acks_late|time_limit/.test(delay.source) && conf?.task_acks_late);
      const delaySec = delay ? delay.value : vt / 2;
      const scaled = Math.min(delaySec * factor, DRILL_VT * MAX_FACTOR);
      const facts = [
        `worker: celery ${conf?.celery}, kombu ${conf?.kombu}; the app's visibility_timeout is ${vt} s${conf?.app_visibility_timeout ? '' : ' (kombu default)'}`,
        delay ? `longest delay in the code: ${delay.value} s (${delay.source})` : `no countdown, retry delay or acks_late time limit found in the code: drilled a delay of half the visibility timeout (${vt / 2} s)`,
        `scaled by ${DRILL_VT}/${vt}: visibility_timeout ${DRILL_VT} s, ${acksLateRun ? 'run time' : 'countdown'} ${scaled.toFixed(2)} s${delaySec * factor > scaled ? ` (capped at ${MAX_FACTOR}x the timeout)` : ''}; unacked messages swept every 0.25 s`,
      ];
      const indexKey = w.ownKeys[1]!;
      const sent = Date.now();
      const id = await t.publish(acksLateRun ? { task: WORK_TASK, args: [scaled] } : { task: WORK_TASK, args: [0.05], eta: new Date(sent + scaled * 1000) }, { queue: run.queue });
      timeline.add(acksLateRun ? `published an acks_late task running ${scaled.toFixed(2)} s` : `published a task with a ${scaled.toFixed(2)} s countdown`);
      // kombu keeps one unacked_index entry per delivery, scored with the delivery time; a restored
      // message keeps its delivery tag, so a new score for a tag is a redelivery
      const tags = new Map<string, number>();
      const restores: number[] = [];
      let deliveries = 0;
      const until = sent + (scaled + DRILL_VT + 2.5) * 1000;
      while (Date.now() < until) {
        const entries = await watch.zrange(indexKey, '0', '-1', 'WITHSCORES').catch(() => [] as string[]);
        for (let i = 0; i + 1 < entries.length; i += 2) {
          const tag = entries[i]!;
          const score = Number(entries[i + 1]);
          if (tags.get(tag) === score) continue;
          tags.set(tag, score);
          deliveries++;
          if (deliveries > 1) {
            restores.push(Math.round(score * 1000 - sent));
            timeline.add(`delivered again (delivery ${deliveries}) ${secs(Math.round(score * 1000 - sent))} after publishing`);
          } else timeline.add('the worker holds the message unacknowledged');
        }
        await run.sleep(100);
      }
      await run.waitFor(() => run.starts(id).length > 0 && run.starts(id).every((s) => run.ends(id).some((e) => e.pid === s.pid && e.at >= s.at)), 3000);
      const executions = run.starts(id).length;
      for (const s of run.starts(id)) timeline.add(`executed in process ${s.pid} at ${secs(Math.round(s.at * 1000 - sent))}`);
      const counts = { executions, duplicates: Math.max(0, executions - 1), deliveries, first_restore_ms: restores[0] ?? -1 };
      const value = `visibility_timeout=${vt} s; longest delay ${delay ? `${delay.value} s` : 'none found'}`;
      const setting = { ...visibilityTimeout.setting(ctx), value };
      if (restores.length) facts.push(`kombu restored the message ${secs(restores[0]!)} after it was published (timeout ${DRILL_VT} s + its sweep); on the real schedule that is ${vt} s + up to unacked_restore_interval x unacked_restore_throttle (100 s on kombu 5.7 defaults)`);
      if (executions === 0) return { verdict: 'fail', counts, facts, setting, summary: 'the task never ran' };
      if (executions > 1) {
        return { verdict: 'fail', counts, facts, setting, summary: `ran ${executions} times: the ${acksLateRun ? 'run time' : 'countdown'} (${delaySec} s) outlasts visibility_timeout (${vt} s), so Redis redelivered it ${executions - 1} time(s)` };
      }
      return { verdict: 'pass', counts, facts, setting, summary: delay ? `ran once: the ${acksLateRun ? 'run time' : 'delay'} (${delaySec} s, ${delay.source}) is within visibility_timeout (${vt} s)` : `ran once with a delay of half the visibility timeout (${vt / 2} of ${vt} s); the code states no countdown, retry delay or acks_late time limit to drill` };
    } finally {
      watch.disconnect();
      await t.close().catch(() => undefined);
    }
  },
};
