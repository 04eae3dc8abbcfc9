import type { Rule } from './types.js';
import { effectiveSettings } from './lib/settings.js';
import { asNumber } from './lib/values.js';

export const rule: Rule = {
  meta: {
    id: 'JC604',
    name: 'soft-time-limit-not-below-hard',
    band: 'readiness',
    severity: 'error',
    confidence: 'high',
    title: 'Soft time limit not below the hard time limit: the soft limit never fires',
    description: 'The soft time limit raises `SoftTimeLimitExceeded` inside the task so it can clean up; the hard limit kills the process. With soft ≥ hard the process is killed first, and the cleanup never runs. From Celery 5.5.0 `apply_async` raises `ValueError` when a soft limit greater than the hard limit is passed (#9173).',
    fix: 'Make soft_time_limit smaller than time_limit (e.g. 540 and 600).',
    sources: [
      { title: 'Celery docs, Workers: Time limits', ref: 'celery@v5.6.3:docs/userguide/workers.rst' },
      { title: 'Changelog 5.5.0: raise ValueError if soft_time_limit > time_limit (#9173)', ref: 'celery@v5.5.0:celery/app/task.py' },
    ],
  },
  check(ctx) {
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const gHard = settings.find((s) => s.newName === 'task_time_limit');
    const gSoft = settings.find((s) => s.newName === 'task_soft_time_limit');
    const gh = asNumber(gHard?.assignment.value);
    const gs = asNumber(gSoft?.assignment.value);
    if (gh !== null && gs !== null && gs >= gh) ctx.report({ loc: gSoft!.assignment.keyLoc, key: 'global', message: `task_soft_time_limit (${gs} s) is not below task_time_limit (${gh} s): the hard limit kills the task before the soft limit can fire`, hint: `set task_soft_time_limit below ${gh}` });
    for (const t of ctx.model.tasks) {
      const th = asNumber(t.options.time_limit);
      const ts = asNumber(t.options.soft_time_limit);
      if (th === null && ts === null) continue;
      const hard = th ?? gh;
      const soft = ts ?? gs;
      if (hard === null || soft === null || soft < hard) continue;
      const loc = t.optionLocs.soft_time_limit ?? t.optionLocs.time_limit ?? t.loc;
      ctx.report({ loc, key: t.name, message: `task \`${t.name}\`: soft_time_limit ${soft} s is not below time_limit ${hard} s — the soft limit never fires${ts !== null && th !== null && ts > th ? ' (and Celery ≥ 5.5 rejects it with ValueError at apply_async)' : ''}`, hint: `set soft_time_limit below ${hard}` });
    }
  },
};
