import type { Rule } from './types.js';
import { effectiveSettings } from './lib/settings.js';
import { asBool, asNumber, dictGet } from './lib/values.js';
import { usesRedisBroker } from './lib/broker.js';
import { settingState } from './lib/fact-state.js';

const DEFAULT_VT = 3600; // kombu/transport/redis.py Channel.visibility_timeout

export const rule: Rule = {
  meta: {
    id: 'JC603',
    name: 'eta-exceeds-visibility-timeout',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: 'Redis broker: a delay (countdown/ETA/retry) or acks_late run time longer than the visibility timeout — the task runs twice',
    description: `On Redis, a message taken by a worker stays "unacked" until it is acknowledged; after \`visibility_timeout\` seconds (default 3600) kombu restores it to the queue and another worker runs it again. A task scheduled with an ETA or countdown is held unacknowledged by the worker until it is due, so any delay longer than the timeout is delivered again, and again ("Visibility timeout" in Celery's Redis docs). With \`acks_late=True\` the acknowledgement waits for the end of the task, so a run time (time limit) longer than the timeout has the same effect. A task's \`default_retry_delay\` counts only when the task retries (\`autoretry_for\`, a \`.retry(\` in its body, or \`self\` handed to a helper that may retry): a delay that is never waited out redelivers nothing.`,
    fix: "Raise broker_transport_options={'visibility_timeout': N} above the longest delay/run time (and result_backend_transport_options likewise), or shorten the delay (use beat for long schedules).",
    sources: [
      { title: 'Celery docs, Using Redis: Visibility timeout', ref: 'celery@v5.6.3:docs/getting-started/backends-and-brokers/redis.rst' },
      { title: 'Channel.visibility_timeout = 3600', ref: 'kombu@v5.6.2:kombu/transport/redis.py' },
    ],
  },
  check(ctx) {
    if (!usesRedisBroker(ctx.model, ctx.knowledge)) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const bto = settings.find((s) => s.newName === 'broker_transport_options');
    // the default timeout is assumed only when every config source was read (JC001 names the others)
    if (settingState(ctx.model, ctx.knowledge, 'broker_transport_options', {}, settings).state === 'unknown') return;
    const vtValue = dictGet(bto?.assignment.value, 'visibility_timeout');
    // set to something jobctl cannot evaluate (an env lookup without a default, a variable): unknown, not the default
    if (vtValue !== undefined && vtValue !== null && asNumber(vtValue) === null) return;
    if (bto && bto.assignment.value.kind !== 'dict') return;
    const vt = asNumber(vtValue) ?? DEFAULT_VT;
    const globalAcksLate = settings.some((s) => s.newName === 'task_acks_late' && asBool(s.assignment.value) === true);
    const over = (n: number | null): n is number => n !== null && n > vt;
    const vtText = bto && dictGet(bto.assignment.value, 'visibility_timeout') ? `the visibility timeout (${vt} s)` : `the default visibility timeout (${vt} s)`;
    // delays at call sites anywhere: apply_async(countdown=…), self.retry(countdown=…)
    for (const fn of ctx.model.functions) {
      for (const call of fn.calls) {
        if (!/(apply_async|retry|signature|\.s|\.si|send_task)$/.test(call.callee)) continue;
        const countdown = asNumber(call.kwargs.countdown);
        if (over(countdown)) ctx.report({ loc: call.loc, key: `${call.callee}:countdown`, message: `countdown=${countdown} s exceeds ${vtText}: the worker holds the message unacked until it is due, Redis redelivers it, and the task runs more than once`, hint: `raise visibility_timeout above ${countdown} s, or schedule it with beat` });
      }
    }
    for (const t of ctx.model.tasks) {
      const retryDelay = asNumber(t.options.default_retry_delay);
      // the delay only matters when the task retries: autoretry_for, a `.retry(` in its body, or `self` handed to a helper
      // that may retry (`handle_exception(self, …)`); a task that never retries never waits it out
      const mayRetry = t.options.autoretry_for !== undefined || /\.retry\s*\(|[(,]\s*self\s*[,)]/.test(t.bodyText);
      if (over(retryDelay) && mayRetry) ctx.report({ loc: t.optionLocs.default_retry_delay ?? t.loc, key: `${t.name}:default_retry_delay`, message: `task \`${t.name}\` retries after ${retryDelay} s, more than ${vtText}: retried tasks are redelivered and run twice`, hint: `raise visibility_timeout above ${retryDelay} s` });
      const acksLate = asBool(t.options.acks_late) ?? globalAcksLate;
      if (!acksLate) continue;
      for (const opt of ['time_limit', 'soft_time_limit'] as const) {
        const n = asNumber(t.options[opt]);
        if (over(n)) ctx.report({ loc: t.optionLocs[opt] ?? t.loc, key: `${t.name}:${opt}`, message: `task \`${t.name}\` is acks_late and may run ${n} s (${opt}), more than ${vtText}: Redis redelivers it while it is still running`, hint: `raise visibility_timeout above ${n} s` });
      }
    }
    if (globalAcksLate) {
      for (const s of settings) {
        if (s.newName !== 'task_time_limit') continue;
        const n = asNumber(s.assignment.value);
        if (over(n)) ctx.report({ loc: s.assignment.keyLoc, key: s.assignment.name, message: `acks_late tasks may run ${n} s (task_time_limit), more than ${vtText}: Redis redelivers them while they run`, hint: `raise visibility_timeout above ${n} s` });
      }
    }
  },
};
