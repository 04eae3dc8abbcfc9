import type { Rule } from './types.js';
import { effectiveSettings, isTestFile } from './lib/settings.js';
import { asBool } from './lib/values.js';

export const rule: Rule = {
  meta: {
    id: 'JC602',
    name: 'always-eager-enabled',
    band: 'readiness',
    severity: 'warning',
    confidence: 'high',
    title: '`task_always_eager` enabled outside test settings: tasks run inline in the caller, no worker involved',
    description: 'With `task_always_eager=True`, `.delay()` and `.apply_async()` run the task synchronously in the calling process: no broker, no worker, no retries across processes, no time limits, no serialization. A web request then does the task\'s work itself. Meant for unit tests only; the Celery docs recommend the pytest fixtures instead.',
    fix: 'Set it only in test settings (or use celery.contrib.pytest / celery_worker fixtures).',
    sources: [{ title: 'Celery docs, Configuration: task_always_eager', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' }],
  },
  check(ctx) {
    for (const s of effectiveSettings(ctx.model, ctx.knowledge)) {
      if (s.newName !== 'task_always_eager' || asBool(s.assignment.value) !== true) continue;
      if (isTestFile(s.assignment.loc.file)) continue;
      ctx.report({ loc: s.assignment.keyLoc, key: s.assignment.name, message: `\`${s.assignment.name}\` is True in ${s.assignment.loc.file}: every task runs inline in the caller, without a broker or worker`, hint: 'enable it only in test settings' });
    }
  },
};
