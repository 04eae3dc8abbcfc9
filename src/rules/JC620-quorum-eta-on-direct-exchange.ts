import type { Rule } from './types.js';
import type { Location } from '../model/types.js';
import { celeryRange, mayUseRabbit } from './lib/rabbitmq.js';
import { queueCalls } from './lib/queues.js';
import { settingState, unreadFor } from './lib/fact-state.js';
import { effectiveSettings, isTestFile } from './lib/settings.js';
import { asBool, asString } from './lib/values.js';
import { compareVersions } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC620',
    name: 'quorum-eta-on-direct-exchange',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: 'Quorum queue bound to a direct exchange while tasks use countdown/ETA/retry: Celery 5.5+ cannot delay them natively and the worker holds them',
    description: `With quorum queues Celery 5.5+ turns global QoS off (\`worker_detect_quorum_queues\`), so the worker's prefetch is static ("Global QoS is disabled. Prefetch count is now static."): an ETA/countdown task the worker holds until it is due keeps a prefetch slot the whole time. Celery 5.5 therefore delays such tasks in the broker instead ("native delayed delivery": the \`celery_delayed_0…27\` queues and the \`celery_delayed_delivery\` exchange) — but only for queues whose exchange is **not** \`direct\`. For a direct exchange the producer publishes the task as an ordinary ETA message and logs "Direct exchanges are not supported with native delayed delivery … this task may block the worker process until the ETA arrives" (celery/app/base.py), and the worker, at start-up, logs "ETA tasks published to this exchange will block the worker until the ETA arrives" (seen with Celery 5.6.3 and 5.7.0 on RabbitMQ 3.10.8). A direct exchange is the default: \`Exchange('x')\` without \`type=\`, a queue without an exchange under the default \`task_default_exchange_type = 'direct'\`.

Reported at the quorum queue when the project's tasks are delayed — \`apply_async(countdown=…/eta=…)\`, \`self.retry(…)\` (which waits \`default_retry_delay\`, 180 s by default) or \`autoretry_for\` — and the Celery pin allows 5.5 or later.`,
    fix: "Bind quorum queues to a topic exchange: `Queue('tasks', Exchange('tasks', type='topic'), routing_key='tasks', queue_arguments={'x-queue-type': 'quorum'})`, or set `task_default_exchange_type = 'topic'` for queues that use the default exchange.",
    examples: {
      bad: "task_queues = [Queue('tasks', Exchange('tasks'), routing_key='tasks', queue_arguments={'x-queue-type': 'quorum'})]\nsend_report.apply_async(countdown=600)",
      good: "task_queues = [Queue('tasks', Exchange('tasks', type='topic'), routing_key='tasks', queue_arguments={'x-queue-type': 'quorum'})]\nsend_report.apply_async(countdown=600)",
    },
    sources: [
      { title: 'send_task: native delayed delivery only when the queue exchange is not direct; "Direct exchanges are not supported with native delayed delivery"', ref: 'celery@v5.5.0:celery/app/base.py' },
      { title: 'DelayedDelivery bootstep (included when quorum queues are detected)', ref: 'celery@v5.5.0:celery/worker/consumer/delayed_delivery.py' },
      { title: 'bind_queue_to_native_delayed_delivery_exchange: a direct exchange is skipped, "ETA tasks published to this exchange will block the worker"', ref: 'kombu@v5.5.0:kombu/transport/native_delayed_delivery.py' },
      { title: 'Tasks.qos_global: "Global QoS is disabled. Prefetch count in now static."', ref: 'celery@v5.5.0:celery/worker/consumer/tasks.py' },
      { title: 'Executed: countdown task on a quorum queue, direct vs topic exchange (Celery 5.6.3, RabbitMQ 3.10.8)', ref: 'docs/evidence/rabbitmq-quorum-celery.txt' },
    ],
  },
  check(ctx) {
    if (!mayUseRabbit(ctx.model, ctx.knowledge)) return;
    const range = celeryRange(ctx.model, ctx.knowledge);
    if (range && compareVersions(range.min, '5.5.0') < 0) return; // before 5.5: no native delayed delivery (JC321 covers global QoS)
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const detect = settingState(ctx.model, ctx.knowledge, 'worker_detect_quorum_queues', {}, settings);
    if (detect.state === 'known' && asBool(detect.value.assignment.value) === false) return;
    const delayed = delayedUse(ctx);
    if (!delayed) return;
    // the default exchange's type: 'direct' unless set; unknown when it could be set in an unread file or to an unknown value.
    // Asked of the app whose config file declares the queue, when there is one (another app's unread config is not its own)
    const defaultTypeFor = (file: string | null): string | null => {
      const source = file ? ctx.model.configSources.find((c) => c.file === file && c.appId) : undefined;
      const app = source ? ctx.model.apps.find((a) => a.id === source.appId) ?? null : null;
      const exType = settingState(ctx.model, ctx.knowledge, 'task_default_exchange_type', app ? { app, where: (s) => s.source.appId === app.id } : {}, settings);
      // test code that reconfigures an app at run time (`conf.update(original)` in a fixture) is not the production config
      const onlyTests = exType.state === 'unknown' && unreadFor(ctx.model, app ? { app } : {}).every((u) => isTestFile(u.file));
      return exType.state === 'absent' || onlyTests ? 'direct' : exType.state === 'known' ? asString(exType.value.assignment.value) : null;
    };
    const defaultType = defaultTypeFor(null);
    const direct: { loc: Location; text: string }[] = [];
    for (const q of queueCalls(ctx.model)) {
      if (!/['"]x-queue-type['"]\s*:\s*['"]quorum['"]/.test(q.args)) continue;
      const type = exchangeType(q.args, defaultTypeFor(q.loc.file));
      if (type === 'direct') direct.push({ loc: q.loc, text: q.text });
    }
    for (const s of settings) {
      if (s.newName === 'task_default_queue_type' && asString(s.assignment.value) === 'quorum' && defaultType === 'direct') direct.push({ loc: s.assignment.keyLoc, text: `${s.assignment.name} = 'quorum'` });
    }
    for (const d of direct) {
      ctx.report({ loc: d.loc, key: d.text, message: `quorum queue on a direct exchange (\`${d.text}\`) while tasks are delayed (${delayed.what} at ${delayed.loc.file}:${delayed.loc.line}): Celery 5.5+ cannot delay them in the broker, so the worker holds each one until it is due in a static prefetch slot`, hint: "bind the queue to a topic exchange (Exchange(name, type='topic')) or set task_default_exchange_type = 'topic'" });
    }
  },
};

/** the exchange type of a Queue(...) call's exchange, 'direct' when written without a type, null when not readable */
function exchangeType(args: string, defaultType: string | null): string | null {
  const typed = /\bExchange\s*\([^)]*\btype\s*=\s*['"](\w+)['"]/.exec(args) ?? /\bexchange_type\s*=\s*['"](\w+)['"]/.exec(args);
  if (typed) return typed[1]!;
  if (/\bExchange\s*\(/.test(args)) return 'direct'; // kombu Exchange's default type
  // second positional argument or exchange= : a string names a direct exchange; a variable is not readable
  const parts = splitTopLevel(args);
  const ex = parts.find((p) => /^exchange\s*=/.test(p))?.replace(/^exchange\s*=\s*/, '') ?? (parts[1] && !/^\w+\s*=/.test(parts[1]) ? parts[1] : undefined);
  if (ex === undefined) return defaultType; // no exchange: Celery binds it to the default exchange
  if (/^['"]/.test(ex)) return 'direct';
  return null;
}

function splitTopLevel(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of args) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function delayedUse(ctx: Parameters<Rule['check']>[0]): { loc: Location; what: string } | null {
  for (const fn of ctx.model.functions) {
    for (const call of fn.calls) {
      const kw = /\b(countdown|eta)\s*=/.exec(call.argsText);
      if (/(apply_async|signature|\.s|\.si|send_task)$/.test(call.callee) && kw) return { loc: call.loc, what: `${kw[1]}=` };
      if (/\.retry$/.test(call.callee) && /^self\./.test(call.callee)) return { loc: call.loc, what: '`self.retry()`' };
    }
  }
  for (const t of ctx.model.tasks) if (t.options.autoretry_for !== undefined) return { loc: t.optionLocs.autoretry_for ?? t.loc, what: '`autoretry_for`' };
  return null;
}
