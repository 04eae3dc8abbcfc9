import type { Rule } from './types.js';
import { classifyKey } from './lib/settings.js';
import { mixedKeys } from './lib/mixing.js';

export const rule: Rule = {
  meta: {
    id: 'JC101',
    name: 'old-setting-name',
    band: 'settings',
    severity: 'warning',
    confidence: 'high',
    title: 'Old-style (uppercase) Celery setting name: deprecated, removal planned for Celery 6.0',
    description: `Celery 4.0 introduced lowercase setting names. The old uppercase names are still read in every 5.x release through a map in Celery's code (\`celery/app/defaults.py\`, \`_TO_NEW_KEY\`), and the worker emits a \`CDeprecationWarning\` for each at start-up ("The 'X' setting is deprecated and scheduled for removal in version 6.0.0") — **except** when the config source is the string \`'django.conf:settings'\`: then Celery prints no warning at all (\`celery/apps/worker.py\`), so most Django projects get no notice before the names stop working in 6.0.

Renaming is safe only as a whole: a config that mixes the two styles fails at start-up with \`ImproperlyConfigured\` (see JC102). The rename map is the code's, not the docs table, which is wrong in 22 rows.`,
    fix: 'Rename every old key in this config to its new name (jobctl upgrade-plan --apply does it for the whole file at once, never half).',
    examples: { bad: "CELERYD_CONCURRENCY = 4\nBROKER_URL = 'redis://localhost:6379/0'", good: "worker_concurrency = 4\nbroker_url = 'redis://localhost:6379/0'" },
    sources: [
      { title: 'Celery docs, Configuration: New lowercase settings', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' },
      { title: 'Old→new map in code', ref: 'celery@v5.6.3:celery/app/defaults.py (_TO_NEW_KEY)' },
      { title: 'Deprecation warning per old key at worker start (#6353), skipped for \'django.conf:settings\' (#6385)', ref: 'celery@v5.6.3:celery/apps/worker.py' },
    ],
  },
  check(ctx) {
    // keys in the minority style are JC102's: they do not work with a warning, the app does not start
    const mixed = new Set(mixedKeys(ctx.model, ctx.knowledge).map((m) => m.assignment));
    for (const source of ctx.model.configSources) {
      for (const a of source.settings) {
        const st = classifyKey(a.name, source, ctx.knowledge);
        if (st.kind !== 'old' || mixed.has(a)) continue;
        ctx.report({
          loc: a.keyLoc,
          message: source.isDjangoConfSettings
            ? `\`${a.name}\` is an old-style setting name; Celery reads it as \`${st.newName}\` until 6.0, and prints no deprecation warning for it because the config source is 'django.conf:settings'`
            : `\`${a.name}\` is an old-style setting name; Celery reads it as \`${st.newName}\` with a deprecation warning until 6.0`,
          hint: `rename to \`${st.newName}\` (together with every other old key of this config)`,
          key: a.name,
        });
      }
    }
  },
};
