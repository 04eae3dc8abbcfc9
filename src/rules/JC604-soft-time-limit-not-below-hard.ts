import type { Rule } from './types.js';
import { effectiveSettings } from './lib/settings.js';
import { asNumber } from './lib/values.js';
import { compareVersions } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC604',
    name: 'soft-time-limit-not-below-hard',
    band: 'readiness',
    severity: 'error',
    confidence: 'high',
    title: 'Soft time limit not below the hard time limit: the task outlives its hard limit and its cleanup is cut short',
    description: `The soft time limit raises \`SoftTimeLimitExceeded\` inside the task so it can clean up; the hard limit kills the process. Under the prefork pool with a Redis or AMQP broker (the usual production setup) only the soft timer is scheduled when a soft limit is set, and the hard kill is scheduled \`hard − soft\` seconds after it fires (\`celery/concurrency/asynpool.py\`). So with soft ≥ hard the soft limit fires first, at the soft limit, and the process is killed moments later (measured on 5.6.3: soft 3 s / hard 2 s → \`SoftTimeLimitExceeded\` at 3.00 s, killed 4 ms later): the task runs past its hard limit, and the cleanup the soft limit was meant to allow has no time to run.

Versions: from 5.5.0 \`apply_async\` raises \`ValueError\` when the soft limit declared **on the task** exceeds its hard limit (#9173); from **5.7.0** the global \`task_soft_time_limit\`/\`task_time_limit\` are checked too, so a global soft limit above the hard one makes **every** \`.delay()\` raise \`ValueError\` (executed on 5.6.3 and 5.7.0). Equal limits are accepted by the check but leave no time for cleanup.`,
    fix: 'Make soft_time_limit smaller than time_limit (e.g. 540 and 600).',
    sources: [
      { title: 'Celery docs, Workers: Time limits', ref: 'celery@v5.6.3:docs/userguide/workers.rst' },
      { title: 'Changelog 5.5.0: raise ValueError if soft_time_limit > time_limit (#9173)', ref: 'celery@v5.5.0:celery/app/task.py' },
      { title: 'Soft timer first, hard kill (hard − soft) after it (prefork event loop)', ref: 'celery@v5.6.3:celery/concurrency/asynpool.py (on_timeout_set, _on_soft_timeout)' },
      { title: '5.7.0 Task.from_config includes task_time_limit/task_soft_time_limit', ref: 'celery 5.7.0 wheel (PyPI): celery/app/task.py' },
      { title: 'Executed: apply_async on 5.3.6/5.6.3/5.7.0; soft ≥ hard under prefork + Redis on 5.6.3', ref: 'docs/evidence/soft-hard-time-limit.celery-5.6.3-5.7.0.txt' },
    ],
  },
  check(ctx) {
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const gHard = settings.find((s) => s.newName === 'task_time_limit');
    const gSoft = settings.find((s) => s.newName === 'task_soft_time_limit');
    const gh = asNumber(gHard?.assignment.value);
    const gs = asNumber(gSoft?.assignment.value);
    const release = ctx.target ?? ctx.current;
    const globalChecked = release ? compareVersions(release.version, '5.7.0') >= 0 : null;
    if (gh !== null && gs !== null && gs >= gh) {
      const raises = gs > gh && globalChecked !== false
        ? globalChecked ? `; on Celery ${release!.version} every \`.delay()\`/\`apply_async()\` raises ValueError` : '; from Celery 5.7.0 every `.delay()`/`apply_async()` raises ValueError'
        : '';
      ctx.report({ loc: gSoft!.assignment.keyLoc, key: 'global', message: `task_soft_time_limit (${gs} s) is not below task_time_limit (${gh} s): the soft limit fires first, at ${gs} s, and the task is killed moments later — it outlives its hard limit and has no time to clean up${raises}`, hint: `set task_soft_time_limit below ${gh}` });
    }
    for (const t of ctx.model.tasks) {
      const th = asNumber(t.options.time_limit);
      const ts = asNumber(t.options.soft_time_limit);
      if (th === null && ts === null) continue;
      const hard = th ?? gh;
      const soft = ts ?? gs;
      if (hard === null || soft === null || soft < hard) continue;
      const loc = t.optionLocs.soft_time_limit ?? t.optionLocs.time_limit ?? t.loc;
      ctx.report({ loc, key: t.name, message: `task \`${t.name}\`: soft_time_limit ${soft} s is not below time_limit ${hard} s — the soft limit fires first and the task is killed moments later, with no time to clean up${soft > hard && (ts !== null && th !== null ? true : globalChecked !== false) ? ` (${ts !== null && th !== null ? 'Celery ≥ 5.5' : 'Celery ≥ 5.7.0'} rejects it with ValueError at apply_async)` : ''}`, hint: `set soft_time_limit below ${hard}` });
    }
  },
};
