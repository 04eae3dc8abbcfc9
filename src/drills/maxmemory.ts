// Drill 4 (Redis) — the broker reaches maxmemory under the project's maxmemory-policy. The drill
// sets a small maxmemory on its private broker (the policy is the project's), fills it with queued
// tasks and stored results, and checks what Redis did: refused writes (noeviction: the producer and
// the worker see errors) or evictions — a queue list evicted loses every task in it, an evicted
// result is a result the caller never sees.
import { RedisDrillBroker } from './broker.js';
import { redisOnly, type DrillDef } from './drill.js';
import { WORK_TASK } from './harness.js';

const PAYLOAD_BYTES = 24 * 1024;
const HEADROOM_BYTES = 3 * 1024 * 1024;
const TASKS = 260;

const SOURCES = [
  'Redis docs, Key eviction (maxmemory-policy): https://redis.io/docs/latest/develop/reference/eviction/',
  'Celery docs, Using Redis: "Redis may evict keys from the database in some situations" (celery@v5.6.3:docs/getting-started/backends-and-brokers/redis.rst)',
];

export const maxmemory: DrillDef = {
  id: 'maxmemory',
  title: 'Redis maxmemory under the configured maxmemory-policy',
  brokers: ['redis'],
  notApplicable: redisOnly('maxmemory and its eviction policy are Redis settings'),
  budgetMs: 45_000,
  broker: (ctx) => RedisDrillBroker.open({ directives: [`maxmemory-policy ${ctx.facts.maxmemoryPolicy.value}`] }),
  setting: (ctx) => ({
    name: 'maxmemory-policy',
    value: `${ctx.facts.maxmemoryPolicy.value} (${ctx.facts.maxmemoryPolicy.source})`,
    fix: 'maxmemory-policy noeviction on the broker Redis (a full Redis then refuses writes loudly instead of dropping queues or results), with maxmemory sized for the backlog and result_expires short enough; or results on a separate Redis',
    sources: SOURCES,
  }),
  async run(run) {
    const { ctx, timeline } = run;
    const broker = run.broker as RedisDrillBroker;
    const policy = ctx.facts.maxmemoryPolicy.value;
    const t = await broker.transport();
    const admin = broker.client();
    const results = broker.client(1);
    try {
      await run.startWorker(t, { concurrency: 1 });
      const conf = run.conf();
      const used = Number((await broker.info('memory')).used_memory ?? 0);
      const limit = used + HEADROOM_BYTES;
      await admin.config('SET', 'maxmemory', String(limit));
      const facts = [
        `policy ${policy} (${ctx.facts.maxmemoryPolicy.source}); maxmemory set to ${(limit / 1048576).toFixed(1)} MB for the drill (${(HEADROOM_BYTES / 1048576).toFixed(0)} MB above what the idle broker uses)`,
        `worker: celery ${conf?.celery}; results on the same Redis (db 1), kept for result_expires=${conf?.result_expires ?? 'default'} s`,
        `${TASKS} tasks of ${PAYLOAD_BYTES / 1024} KB, each returning its payload (queued message + stored result per task)`,
      ];
      timeline.add(`maxmemory ${(limit / 1048576).toFixed(1)} MB, policy ${policy}`);
      const payload = 'x'.repeat(PAYLOAD_BYTES);
      const ids: string[] = [];
      let refused = 0;
      for (let i = 0; i < TASKS; i++) {
        run.check();
        try {
          ids.push(await t.publish({ task: WORK_TASK, args: [0, `${i}:${payload}`] }, { queue: run.queue }));
        } catch (err) {
          refused++;
          if (refused === 1) timeline.add(`publish refused: ${(err as Error).message.split('\n')[0]!.slice(0, 120)}`);
        }
      }
      timeline.add(`published ${ids.length}, refused ${refused}`);
      const idSet = new Set(ids);
      // drained: nothing queued, every started task finished (or 15 s)
      await run.waitFor(async () => ((await broker.queueDepth(run.queue)) ?? 0) === 0 && run.starts().filter((s) => idSet.has(s.id)).every((s) => run.ends(s.id).length > 0), 8000, 250);
      const ran = new Set(run.starts().filter((s) => idSet.has(s.id)).map((s) => s.id));
      const ended = [...new Set(run.ends().filter((s) => idSet.has(s.id)).map((s) => s.id))];
      const queued = (await broker.queueDepth(run.queue)) ?? 0;
      let missingResults = 0;
      for (let i = 0; i < ended.length; i += 200) {
        const keys = ended.slice(i, i + 200).map((id) => `celery-task-meta-${id}`);
        const present = await results.exists(...keys);
        missingResults += keys.length - present;
      }
      const stats = await broker.info('stats');
      const evicted = Number(stats.evicted_keys ?? 0);
      const lostFromQueue = Math.max(0, ids.length - ran.size - queued);
      timeline.add(`${ran.size} ran, ${queued} still queued, ${lostFromQueue} vanished from the queue; ${missingResults} of ${ended.length} results missing; evicted_keys ${evicted}`);
      const counts = { published: ids.length, refused, ran: ran.size, still_queued: queued, lost_from_queue: lostFromQueue, results_missing: missingResults, evicted_keys: evicted };
      const setting = maxmemory.setting(ctx);
      if (evicted > 0) {
        return {
          verdict: 'fail', counts, facts, setting,
          summary: `Redis evicted ${evicted} key(s) under ${policy}: ${lostFromQueue} queued task(s) vanished without running, ${missingResults} stored result(s) gone before result_expires`,
        };
      }
      // noeviction: nothing is evicted, writes are refused. kombu's own bookkeeping is a write too: a
      // message the worker popped whose unacked entry Redis refused is lost with it (kombu/transport/redis.py QoS.append)
      const oom = /OutOfMemoryError|OOM command not allowed/.test(run.logTail(400));
      const notes = [
        refused ? `${refused} publish(es) refused with an OOM error (the producer sees it)` : '',
        missingResults ? `${missingResults} result(s) not stored` : '',
        oom ? 'the worker logged OutOfMemoryError (results and its unacked bookkeeping are writes too)' : '',
        lostFromQueue ? `${lostFromQueue} popped message(s) lost when their unacked entry was refused` : '',
        queued ? `${queued} task(s) still queued: consumption stalled while Redis was full` : '',
      ].filter(Boolean);
      return {
        verdict: 'pass', counts, facts, setting,
        summary: notes.length ? `no evictions under ${policy}; a full Redis refused writes instead: ${notes.join('; ')} — size maxmemory for the backlog` : `no evictions under ${policy}; the drill's load stayed under maxmemory`,
      };
    } finally {
      admin.disconnect();
      results.disconnect();
      await t.close().catch(() => undefined);
    }
  },
};
