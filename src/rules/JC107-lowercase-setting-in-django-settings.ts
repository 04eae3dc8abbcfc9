import type { Rule } from './types.js';
import { classifyKey } from './lib/settings.js';

export const rule: Rule = {
  meta: {
    id: 'JC107',
    name: 'lowercase-setting-in-django-settings',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    title: 'Lowercase Celery setting in Django settings: Django drops it, Celery never sees it',
    description: `With \`app.config_from_object('django.conf:settings', …)\` Celery reads its settings from \`django.conf.settings\`, and Django copies only the names of the settings module that are all upper case (\`setting.isupper()\` in \`django.conf.Settings\`; django-configurations does the same for class attributes). A lowercase name such as \`task_time_limit = 600\` or \`broker_url = …\` in \`settings.py\` is therefore silently ignored — no error, no warning — and the worker runs with Celery's default. In a plain Celery config module the same line works, which is why it is easy to copy into Django settings.`,
    fix: "Write it in upper case with the namespace prefix: `CELERY_TASK_TIME_LIMIT = 600` under `namespace='CELERY'`.",
    examples: { bad: "app.config_from_object('django.conf:settings', namespace='CELERY')\n# settings.py\ntask_time_limit = 600", good: 'CELERY_TASK_TIME_LIMIT = 600' },
    sources: [
      { title: 'Django: Settings reads only upper-case names of the settings module', ref: 'django@5.1:django/conf/__init__.py (Settings.__init__)' },
      { title: 'Django docs: Creating your own settings — "Setting names must be all uppercase"', ref: 'https://docs.djangoproject.com/en/5.1/topics/settings/#creating-your-own-settings' },
      { title: 'Celery docs, First steps with Django: the CELERY_ namespace', ref: 'celery@v5.6.3:docs/django/first-steps-with-django.rst' },
    ],
  },
  check(ctx) {
    const texts = new Map(ctx.model.files.map((f) => [f.file, f.text]));
    for (const source of ctx.model.configSources) {
      if (source.kind !== 'django-settings') continue;
      for (const a of source.settings) {
        const st = classifyKey(a.name, source, ctx.knowledge);
        if (st.kind !== 'dropped-by-django') continue;
        // a helper the settings module uses itself (`redis_host = …` then f"redis://{redis_host}"), not a setting
        const text = texts.get(a.loc.file) ?? '';
        if ((text.match(new RegExp(`\\b${a.name}\\b`, 'g')) ?? []).length > 1) continue;
        const use = st.working ? `\`${st.working}\`` : `namespace='CELERY' and \`CELERY_${st.newName.toUpperCase()}\``;
        ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is lowercase: Django keeps only upper-case settings, so Celery never sees \`${st.newName}\`${source.chosenBy ? ` (settings chosen by ${source.chosenBy})` : ''}`, hint: `rename to ${use}` });
      }
    }
  },
};
