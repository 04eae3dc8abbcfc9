import type { Rule } from './types.js';
import { classifyKey } from './lib/settings.js';

export const rule: Rule = {
  meta: {
    id: 'JC103',
    name: 'setting-ignored-by-namespace',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    title: 'Old-style setting under namespace=\'CELERY\': Celery silently ignores it',
    description: `With \`app.config_from_object('django.conf:settings', namespace='CELERY')\` Celery looks up every setting as \`CELERY_\` + the new name in upper case (\`CELERY_TASK_ALWAYS_EAGER\`, \`CELERY_WORKER_CONCURRENCY\`). Old names such as \`CELERY_ALWAYS_EAGER\`, \`CELERYD_CONCURRENCY\` or \`BROKER_URL\` are not translated in this mode: they are **silently ignored** — no error, no warning — so the worker runs with the default instead (verified on Celery 5.6.3). Only names where the old name happens to equal \`CELERY_\` + new name keep working (\`CELERY_RESULT_BACKEND\`, \`CELERY_TIMEZONE\`, \`CELERY_ACCEPT_CONTENT\`, \`CELERY_IMPORTS\`).`,
    fix: 'Use the namespaced new name given in the message.',
    examples: { bad: "app.config_from_object('django.conf:settings', namespace='CELERY')\n# settings.py\nCELERY_ALWAYS_EAGER = True\nCELERYD_CONCURRENCY = 4", good: 'CELERY_TASK_ALWAYS_EAGER = True\nCELERY_WORKER_CONCURRENCY = 4' },
    sources: [
      { title: 'Celery docs, First steps with Django: the CELERY_ namespace', ref: 'celery@v5.6.3:docs/django/first-steps-with-django.rst' },
      { title: 'Namespace lookup (prefix + key)', ref: 'celery@v5.6.3:celery/utils/collections.py (ConfigurationView)' },
      { title: 'jobctl research, verified on 5.6.3', ref: 'shared/research/celery-knowledge.md §3.3' },
    ],
  },
  check(ctx) {
    for (const source of ctx.model.configSources) {
      if (!source.namespace) continue;
      for (const a of source.settings) {
        const st = classifyKey(a.name, source, ctx.knowledge);
        if (st.kind !== 'ignored-by-namespace') continue;
        ctx.report({
          loc: a.keyLoc,
          key: a.name,
          message: `\`${a.name}\` is silently ignored: with namespace='${source.namespace}' Celery only reads \`${st.working}\` (setting \`${st.newName}\`)`,
          hint: `rename to \`${st.working}\``,
        });
      }
    }
  },
};
