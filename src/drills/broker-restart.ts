// Drill 1 — the broker dies mid-load and comes back with the project's own persistence settings.
// The worker must resume consuming within a bound, and every published task must be accounted
// for: published = succeeded + failed + lost, with `lost` what those settings promise (AOF: none;
// RDB snapshots or nothing: whatever was queued since the last snapshot).
import { RedisDrillBroker } from './broker.js';
import { openDrillBroker, redisOnly, type DrillDef } from './drill.js';
import { KOMBU_VISIBILITY_TIMEOUT, WORK_TASK, secs } from './harness.js';

/** task ids of ours in a kombu unacked hash (values are JSON [message, exchange, routing_key]) */
async function unackedTaskIds(broker: RedisDrillBroker, key: string, ours: Set<string>): Promise<Set<string>> {
  const c = broker.client();
  const out = new Set<string>();
  try {
    for (const raw of Object.values(await c.hgetall(key))) {
      try {
        const id = (JSON.parse(raw) as [{ headers?: { id?: string } }])[0]?.headers?.id;
        if (id && ours.has(id)) out.add(id);
      } catch { /* not kombu's format */ }
    }
  } finally {
    c.disconnect();
  }
  return out;
}

const TASKS = 24;
const TASK_SECONDS = 0.25;
const DOWN_MS = 1500;
const SETTLE_MS = 1200;
/** consumption must resume this soon after the broker is back (Celery's first reconnect attempts are 0, 2, 4 s apart) */
export const RESUME_BOUND_MS = 15_000;

const SOURCES = [
  'Redis docs, Persistence (RDB vs AOF): https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/',
  'Celery docs, Configuration: broker_connection_retry / broker_connection_max_retries (celery@v5.6.3:docs/userguide/configuration.rst)',
  'celery@v5.6.3:celery/worker/consumer/consumer.py (Consumer.ensure_connected, on_connection_error_after_connected)',
];

export const brokerRestart: DrillDef = {
  id: 'broker-restart',
  title: 'broker restart mid-load (crash, then back with the project\'s persistence)',
  brokers: ['redis', 'amqp'],
  notApplicable: (ctx) => ctx.brokerKind === 'rabbitmq' ? null : redisOnly('rabbitmq-server is not installed here, so its restart cannot be drilled (install it to drill the app on RabbitMQ)')(ctx),
  budgetMs: 45_000,
  broker: (ctx) => openDrillBroker(ctx, ctx.facts.redisDirectives.value),
  setting: (ctx) => ctx.brokerKind === 'rabbitmq' ? {
    name: 'durable queues, persistent delivery (task_default_delivery_mode), broker_connection_retry',
    value: "Celery's defaults unless the app changes them",
    fix: 'keep queues durable and task_default_delivery_mode persistent (the defaults), and broker_connection_retry on so the worker reconnects',
    sources: ['RabbitMQ docs, Reliability Guide: https://www.rabbitmq.com/docs/reliability', ...SOURCES.slice(1)],
  } : ({
    name: 'redis appendonly / save',
    value: `appendonly ${ctx.facts.appendonly.value ? 'yes' : 'no'} (${ctx.facts.appendonly.source}); save "${ctx.facts.save.value}"`,
    fix: 'appendonly yes (appendfsync everysec) on a persistent volume keeps queued tasks across a Redis crash; keep broker_connection_retry on (the default) so the worker reconnects',
    sources: SOURCES,
  }),
  async run(run) {
    const { ctx, broker, timeline } = run;
    const rabbit = broker.kind === 'amqp';
    const facts = rabbit ? [
      `broker: ${broker.describe()}`,
      'the RabbitMQ node is SIGKILLed (a crash) 1.2 s after the last publish and started again on the same data: durable queues and persistent messages promise no loss of what the node had written; without publisher confirms (kombu confirm_publish, off by default) a message published just before a crash can still be lost; messages a worker held unacknowledged go back to the queue when its connection closes',
    ] : [
      `the broker runs the project's settings, read from ${ctx.facts.redisDirectives.source}`,
      `persistence: appendonly ${ctx.facts.appendonly.value ? 'yes' : 'no'} (${ctx.facts.appendonly.source}); save "${ctx.facts.save.value}" (${ctx.facts.save.source})`,
      'the broker is SIGKILLed (a crash: OOM killer, node loss, a container killed after its grace period); a graceful SHUTDOWN would first write an RDB snapshot when save points are set',
    ];
    let t = await broker.transport();
    try {
      const w = await run.startWorker(t, { concurrency: 2 });
      const conf = run.conf();
      if (conf) facts.push(`worker: celery ${conf.celery}, kombu ${conf.kombu}; broker_connection_retry=${conf.broker_connection_retry}, task_acks_late=${conf.task_acks_late}`);
      const ids: string[] = [];
      for (let i = 0; i < TASKS; i++) ids.push(await t.publish({ task: WORK_TASK, args: [TASK_SECONDS] }, { queue: run.queue }));
      timeline.add(`published ${TASKS} tasks of ${TASK_SECONDS} s each`);
      const publishedAt = Date.now();
      const idSet = new Set(ids);
      await run.waitFor(() => run.starts().filter((e) => idSet.has(e.id)).length >= 4, 15_000);
      // what a broker promises covers messages it has written: the crash comes SETTLE_MS after the last
      // publish (Redis appendfsync everysec; RabbitMQ without publisher confirms writes persistent messages
      // to disk shortly after accepting them), so the drill tests the promise, not the last instant
      await run.sleep(Math.max(0, SETTLE_MS - (Date.now() - publishedAt)));
      const queuedAtCrash = (await broker.queueDepth(run.queue)) ?? 0;
      await t.close();
      await broker.crash();
      const crashAt = Date.now();
      const startedBefore = new Set(run.starts().filter((e) => idSet.has(e.id)).map((e) => e.id));
      timeline.add(`${rabbit ? 'the RabbitMQ node' : 'redis-server'} killed (SIGKILL) with ${queuedAtCrash} task(s) queued and ${startedBefore.size} started`);
      await run.sleep(DOWN_MS);
      await broker.start();
      const upAt = Date.now();
      timeline.add(`${rabbit ? 'the RabbitMQ node' : 'redis-server'} started again (down ${secs(upAt - crashAt)})`);
      const queuedAfter = (await broker.queueDepth(run.queue)) ?? 0;
      timeline.add(`${queuedAfter} task(s) in the queue after the restart`);
      // a fresh task proves consumption resumed, whatever survived the restart
      t = await broker.transport();
      const probe = await t.publish({ task: WORK_TASK, args: [0] }, { queue: run.queue });
      const resumed = await run.waitFor(() => run.starts(probe).length > 0, RESUME_BOUND_MS, 100);
      const resumeMs = resumed ? Math.round(run.starts(probe)[0]!.at * 1000 - upAt) : null;
      timeline.add(resumed ? `consumption resumed: a task published after the restart started ${secs(resumeMs!)} after the broker was back` : `no task consumed within ${secs(RESUME_BOUND_MS)} of the restart`);
      // drain what survived
      if (resumed) await run.waitFor(async () => ((await broker.queueDepth(run.queue)) ?? 1) === 0 && run.starts().filter((e) => idSet.has(e.id)).every((s) => run.ends(s.id).length > 0), 15_000, 200);
      const started = new Set(run.starts().filter((e) => idSet.has(e.id)).map((e) => e.id));
      const succeeded = new Set(run.ends().filter((e) => idSet.has(e.id)).map((e) => e.id)).size;
      const interrupted = [...started].filter((id) => run.ends(id).length === 0).length;
      // prefetched but not started when the connection died: left in kombu's unacked hash (restored only once visibility_timeout has passed)
      const held = run.broker instanceof RedisDrillBroker ? await unackedTaskIds(run.broker, w.ownKeys[0]!, idSet) : new Set<string>();
      // still waiting in the queue at the end (a worker that never came back leaves them there): not lost
      const depth = await broker.queueDepth(run.queue);
      if (depth === null) timeline.add('the queue depth could not be read at the end: tasks still queued are counted as lost');
      const finalDepth = depth ?? 0;
      const stillQueued = Math.max(0, finalDepth - (run.starts(probe).length ? 0 : 1));
      const lost = Math.max(0, TASKS - started.size - held.size - stillQueued);
      if (held.size) timeline.add(`${held.size} prefetched task(s) left in the unacked hash: restored to the queue only after visibility_timeout (${conf?.app_visibility_timeout ?? KOMBU_VISIBILITY_TIMEOUT} s)`);
      const duplicates = run.starts().filter((e) => idSet.has(e.id)).length - started.size;
      timeline.add(`accounted: ${succeeded} succeeded, ${interrupted} started but never finished, ${held.size} delayed (unacked), ${stillQueued} still queued, ${lost} lost, ${duplicates} duplicate run(s)`);
      const counts = { published: TASKS, succeeded, failed: interrupted, delayed_unacked: held.size, still_queued: stillQueued, lost, duplicates, queued_at_crash: queuedAtCrash, queued_after_restart: queuedAfter, resume_ms: resumeMs ?? -1 };
      const setting = brokerRestart.setting(ctx);
      if (!resumed) {
        const exited = w.process.hasExited();
        return {
          verdict: 'fail', counts, facts,
          summary: `the worker did not consume again within ${secs(RESUME_BOUND_MS)} of the broker coming back (${stillQueued} task(s) waiting in the queue, ${lost} lost)${exited ? '; the worker process exited' : '; the worker process is still running but not consuming'}`,
          setting: { ...setting, name: 'broker_connection_retry / broker_connection_max_retries', value: conf ? `broker_connection_retry=${conf.broker_connection_retry}` : 'unknown', fix: 'keep broker_connection_retry=True and broker_connection_max_retries=None or a large number, so the worker reconnects after a broker restart' },
        };
      }
      const promise = rabbit || ctx.facts.appendonly.value ? 0 : null;
      if (promise === 0 && lost + interrupted > 0) {
        return { verdict: 'fail', counts, facts, setting, summary: `${rabbit ? 'durable queues with persistent messages promise' : 'appendonly yes promises'} no loss on a crash, but ${lost + interrupted} of ${TASKS} tasks were lost` };
      }
      const cost = lost + interrupted;
      return {
        verdict: 'pass', counts, facts, setting,
        summary: rabbit
          ? `resumed ${secs(resumeMs!)} after the restart; all ${TASKS} tasks accounted for (${succeeded} succeeded${duplicates ? `, ${duplicates} ran twice (redelivered after the restart)` : ''})`
          : ctx.facts.appendonly.value
          ? `resumed ${secs(resumeMs!)} after the restart; all ${TASKS} tasks accounted for (AOF kept the ${queuedAtCrash} queued)${held.size ? `; ${held.size} prefetched task(s) wait in the unacked hash until visibility_timeout (${conf?.app_visibility_timeout ?? KOMBU_VISIBILITY_TIMEOUT} s) has passed` : ''}`
          : `resumed ${secs(resumeMs!)} after the restart; the crash cost ${cost} of ${TASKS} tasks (without AOF everything queued since the last RDB snapshot is gone)`,
      };
    } finally {
      await t.close().catch(() => undefined);
    }
  },
};
