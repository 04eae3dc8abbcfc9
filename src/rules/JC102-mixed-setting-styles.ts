import type { Rule } from './types.js';
import { mixedKeys } from './lib/mixing.js';

export const rule: Rule = {
  meta: {
    id: 'JC102',
    name: 'mixed-setting-styles',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    title: 'Old and new setting names mixed in one config: the worker fails to start (ImproperlyConfigured)',
    description: `Without a namespace, Celery counts the old-style and new-style keys of the config it loads. The majority style wins, and every key of the other style raises \`celery.exceptions.ImproperlyConfigured: Cannot mix new and old setting keys\` when the app is configured (at worker start). A key given in both forms is exempt.

Which keys are counted: the object passed to \`config_from_object()\` if there is one; otherwise the keys set through \`app.conf.update()\` / \`app.conf.x = …\`. With \`namespace='CELERY'\` the check is skipped. (Reproduced on Celery 5.6.3: docs/evidence/settings-mixing-trial.celery-5.6.3.txt.)

A common way in: adding \`BROKER_CONNECTION_RETRY_ON_STARTUP = True\` to a lowercase config to silence a 5.3 warning.`,
    fix: 'Rename the minority keys to the majority style (better: everything to the new lowercase names).',
    examples: { bad: "broker_url = 'redis://…'\ntask_serializer = 'json'\nBROKER_CONNECTION_RETRY_ON_STARTUP = True", good: "broker_url = 'redis://…'\ntask_serializer = 'json'\nbroker_connection_retry_on_startup = True" },
    sources: [
      { title: 'detect_settings (majority rule, mix error)', ref: 'celery@v5.6.3:celery/app/utils.py' },
      { title: 'Celery._load_config: which keys are checked', ref: 'celery@v5.6.3:celery/app/base.py' },
    ],
  },
  check(ctx) {
    for (const m of mixedKeys(ctx.model, ctx.knowledge)) {
      const a = m.assignment;
      if (m.style === 'old') {
        ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is an old-style name in a config whose other keys are new-style: Celery refuses to start (ImproperlyConfigured: Cannot mix new and old setting keys)`, hint: `rename to \`${m.renameTo}\`` });
      } else {
        ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is a new-style name in a config whose other keys are old-style: Celery refuses to start (ImproperlyConfigured: Cannot mix new setting names with old setting names)`, hint: `rename all keys of this config to the new style (or this one to \`${m.renameTo}\`)` });
      }
    }
  },
};
