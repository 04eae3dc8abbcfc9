import type { Rule } from './types.js';
import { classifyKey, isTestFile } from './lib/settings.js';
import { NAMESPACE_SOURCES, OLD_NAMES_APPLY_UNDER_NAMESPACE_FROM, activationText, appliesIn, namespacedOldKey } from './lib/namespace.js';
import { maskValue } from '../util/mask.js';
import { appliedByProject } from './lib/applied-by-project.js';

export const rule: Rule = {
  meta: {
    id: 'JC103',
    name: 'setting-ignored-by-namespace',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    title: 'Old-style setting under namespace=\'CELERY\': ignored up to Celery 5.6, applied from 5.7.0',
    description: `With \`app.config_from_object('django.conf:settings', namespace='CELERY')\` the documented names are \`CELERY_\` + the new name in upper case (\`CELERY_TASK_ALWAYS_EAGER\`, \`CELERY_WORKER_CONCURRENCY\`). What happens to an old name such as \`CELERY_ALWAYS_EAGER\`, \`CELERYD_CONCURRENCY\` or \`BROKER_URL\` in that config **depends on the version**:

- **Celery ≤ 5.6.3**: it is silently ignored — no error, no warning; the worker runs with the default (executed on 5.3.6 and 5.6.3). Names whose old form already equals \`CELERY_\` + new name (\`CELERY_RESULT_BACKEND\`, \`CELERY_RESULT_SERIALIZER\`, \`CELERY_TIMEZONE\`, …) are not old names here and work.
- **Celery ≥ 5.7.0**: the lookup walks the user's config first and tries the old alias after the namespaced and the new name, so the old name **is applied** (changelog-5.7 #10597, #10586; executed on 5.7.0). A leftover \`CELERY_ALWAYS_EAGER = True\` that did nothing for years makes every \`.delay()\` run inline in the web process after the upgrade; \`CELERYD_CONCURRENCY\` and an old \`BROKER_URL\` start to apply too. A namespaced new name set in the same config is tried first and still wins.

So a dormant old key is not a rename to do, it is a behaviour change waiting for the 5.7 upgrade: delete it to keep what runs today, or set the namespaced new name deliberately if you want its value. Prefixed old names (\`CELERY_CELERYD_CONCURRENCY\`) and names found only in the docs table stay ignored on every version. A key the project hands to that very setting itself (\`app.conf.task_routes = settings.CELERY_ROUTES\`) is in effect today and keeps its value on 5.7: not reported. Nor is an old name that is only the variable the namespaced key is built from (\`BROKER_URL = env(…)\`, \`CELERY_BROKER_URL = BROKER_URL\`): deleting it would break the key that applies.`,
    fix: 'Delete the dormant key (today Celery runs with the default), or — only if you want its value to apply — set the namespaced new name given in the message.',
    examples: { bad: "app.config_from_object('django.conf:settings', namespace='CELERY')\n# settings.py\nCELERY_ALWAYS_EAGER = True\nCELERYD_CONCURRENCY = 4", good: '# settings.py (production)\nCELERY_WORKER_CONCURRENCY = 4\n# settings/test.py\nCELERY_TASK_ALWAYS_EAGER = True' },
    sources: [
      { title: 'Celery docs, First steps with Django: the CELERY_ namespace', ref: 'celery@v5.6.3:docs/django/first-steps-with-django.rst' },
      { title: 'Namespace lookup up to 5.6.3 (keys outside maps: the default of the new name wins)', ref: 'celery@v5.6.3:celery/utils/collections.py (ConfigurationView.__getitem__)' },
      ...NAMESPACE_SOURCES,
    ],
  },
  check(ctx) {
    const current = ctx.current?.version ?? null;
    const target = ctx.target?.version ?? null;
    const nowApplied = appliesIn(current);
    const targetApplies = appliesIn(target);
    for (const source of ctx.model.configSources) {
      if (!source.namespace) continue;
      for (const a of source.settings) {
        const st = classifyKey(a.name, source, ctx.knowledge);
        if (st.kind !== 'ignored-by-namespace') continue;
        // the project hands the value to that very setting itself (`app.conf.task_routes = settings.CELERY_ROUTES`):
        // Celery runs with it today, and on 5.7 the old name carries the same value
        if (appliedByProject(ctx.model, ctx.knowledge, a.name)?.setting === st.newName) continue;
        const info = namespacedOldKey(ctx.model, source, a, st.newName, ctx.knowledge);
        const test = isTestFile(source.file);
        const base = { loc: a.keyLoc, key: a.name };
        if (!info.activates) {
          ctx.report({ ...base, message: `\`${a.name}\` is ignored on every Celery version: with namespace='${source.namespace}' Celery reads \`${st.working}\` (setting \`${st.newName}\`), and this name is not its old alias`, hint: info.shadowedBy ? `delete it (\`${info.shadowedBy.name}\` is the key that applies)` : `delete it, or set \`${st.working}\` if you want the value` });
          continue;
        }
        // `BROKER_URL = env(…); CELERY_BROKER_URL = BROKER_URL`: the old name is the variable the applied key is built
        // from — nothing to delete, and the value it holds is in effect
        if (info.shadowedBy && (info.shadowedBy.valueText.trim() === a.name || (info.shadowedBy.value.kind === 'name' && info.shadowedBy.value.dotted === a.name))) continue;
        if (info.shadowedBy) {
          ctx.report({ ...base, severity: 'warning', message: `\`${a.name}\` is never read: \`${info.shadowedBy.name}\` (${info.shadowedBy.keyLoc.file}:${info.shadowedBy.keyLoc.line}) is tried first on every version, including 5.7`, hint: `delete \`${a.name}\`` });
          continue;
        }
        const value = maskValue(a.name, a.valueText);
        if (nowApplied === true && (targetApplies ?? true)) {
          // already on 5.7+: the key works, as a deprecated old name
          ctx.report({ ...base, severity: 'warning', message: `\`${a.name}\` is applied by Celery ${current} as \`${st.newName}\` (= \`${value}\`): old names under namespace='${source.namespace}' are read from ${OLD_NAMES_APPLY_UNDER_NAMESPACE_FROM} on (they were ignored up to 5.6.x)`, hint: `rename to \`${st.working}\`` });
          continue;
        }
        const upgradeTo = targetApplies === true ? target! : targetApplies === false ? null : `${OLD_NAMES_APPLY_UNDER_NAMESPACE_FROM} or later`;
        const severity = test ? 'warning' : 'error';
        const keepToday = `delete \`${a.name}\` to keep today's behaviour; set \`${st.working}\` only if you want \`${value}\` to apply`;
        if (upgradeTo) {
          const today = current ? ` (Celery ${current})` : nowApplied === null ? ' on Celery ≤ 5.6.3' : '';
          ctx.report({ ...base, severity, message: `\`${a.name}\` under namespace='${source.namespace}'${today}: ${activationText(a, st.newName, info, upgradeTo)}`, hint: keepToday });
        } else {
          ctx.report({ ...base, severity, message: `\`${a.name}\` is ignored today: with namespace='${source.namespace}' Celery ${target ?? current} reads only \`${st.working}\` (setting \`${st.newName}\`); from ${OLD_NAMES_APPLY_UNDER_NAMESPACE_FROM} Celery applies this old name, with value \`${value}\``, hint: keepToday });
        }
      }
    }
  },
};
