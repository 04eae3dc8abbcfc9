import type { Rule } from './types.js';
import type { ConfigSource, SettingAssignment } from '../model/types.js';
import { classifyKey } from './lib/settings.js';

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
    const k = ctx.knowledge;
    // group what Celery checks together, per app
    const groups = new Map<string, { sources: ConfigSource[] }>();
    const byApp = new Map<string | null, ConfigSource[]>();
    for (const s of ctx.model.configSources) {
      const list = byApp.get(s.appId) ?? [];
      list.push(s);
      byApp.set(s.appId, list);
    }
    for (const [appId, sources] of byApp) {
      const loaded = sources.filter((s) => s.kind === 'config-module' || s.kind === 'config-object' || s.kind === 'django-settings');
      const pre = sources.filter((s) => s.kind === 'conf-update' || s.kind === 'conf-attr');
      if (loaded.length > 0) {
        // each config_from_object target is its own object (a settings package counts as one)
        const byRef = new Map<string, ConfigSource[]>();
        for (const s of loaded) {
          const key = s.objectRef ?? s.id;
          byRef.set(key, [...(byRef.get(key) ?? []), s]);
        }
        for (const [ref, list] of byRef) groups.set(`${appId}:${ref}`, { sources: list });
      } else if (pre.length > 0) {
        groups.set(`${appId}:preconf`, { sources: pre });
      }
    }
    for (const { sources } of groups.values()) {
      if (sources.some((s) => s.namespace)) continue;
      const newKeys: SettingAssignment[] = [];
      const oldKeys: { a: SettingAssignment; newName: string }[] = [];
      for (const s of sources) {
        for (const a of s.settings) {
          const st = classifyKey(a.name, s, k);
          if (st.kind === 'new') newKeys.push(a);
          else if (st.kind === 'old') oldKeys.push({ a, newName: st.newName });
        }
      }
      if (newKeys.length === 0 || oldKeys.length === 0) continue;
      const newNames = new Set(newKeys.map((a) => a.name));
      const oldMajority = oldKeys.length > newKeys.length;
      if (oldMajority) {
        const oldByNew = new Map(oldKeys.map((o) => [o.newName, o.a.name]));
        for (const a of newKeys) {
          if (oldByNew.has(a.name)) continue; // given in both forms
          const oldName = [...k.oldToNew.entries()].find(([, n]) => n === a.name)?.[0] ?? a.name.toUpperCase();
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is a new-style name in a config whose other keys are old-style: Celery refuses to start (ImproperlyConfigured: Cannot mix new setting names with old setting names)`, hint: `rename all keys of this config to the new style (or this one to \`${oldName}\`)` });
        }
      } else {
        for (const o of oldKeys) {
          if (newNames.has(o.newName)) continue;
          ctx.report({ loc: o.a.keyLoc, key: o.a.name, message: `\`${o.a.name}\` is an old-style name in a config whose other keys are new-style: Celery refuses to start (ImproperlyConfigured: Cannot mix new and old setting keys)`, hint: `rename to \`${o.newName}\`` });
        }
      }
    }
  },
};
