import type { Rule } from './types.js';
import { distance } from 'fastest-levenshtein';
import { classifyKey, isTestFile } from './lib/settings.js';
import type { ConfigSource, SettingAssignment } from '../model/types.js';
import type { Knowledge } from '../knowledge/types.js';
import { appliedByProject } from './lib/applied-by-project.js';
import { nameMentions, type NameMention } from './lib/name-reads.js';

export const rule: Rule = {
  meta: {
    id: 'JC104',
    name: 'unknown-setting',
    band: 'settings',
    severity: 'warning',
    confidence: 'medium',
    title: 'Setting name Celery does not know: silently ignored',
    description: `Celery accepts any key in its configuration and ignores the ones it does not know, without a warning. A typo (\`worker_concurency\`), a name from another tool, or a name copied from Celery's docs table of old settings (which is wrong in 22 rows: e.g. \`CELERY_TASK_ALWAYS_EAGER\` without a namespace is ignored, the code reads \`CELERY_ALWAYS_EAGER\` / \`task_always_eager\`) leaves the default in force. Verified on Celery 5.6.3 (docs/evidence/settings-mixing-trial.celery-5.6.3.txt). A \`CELERY_\`-prefixed setting that the project's own code reads (in another module, or by its bare name in the same settings module: \`CELERY_BROKER_URL = CELERY_REDIS_URL\`) and that is no typo of a Celery setting is taken as the project's own and not reported (a second assignment of the name, say in a sibling settings module, is no read). A key the project hands to Celery itself under a name Celery reads (\`app.conf.beat_schedule = app.conf.CELERY_BEAT_SCHEDULE\`) is not reported either. An old-style name written in lower case in a config module (\`celeryd_concurrency = 1\`) is reported: Celery matches old names only in upper case, so it is ignored (4.4.7 to 5.7.0: docs/evidence/lowercase-old-names.celery-4.4.7-5.7.0.txt). "Did you mean" is offered only for a typo-sized difference.

A \`CELERY_\`-prefixed form of a real setting (\`CELERY_BROKER_HEARTBEAT\`) works only when the config is loaded with \`namespace='CELERY'\`; in a config read without one — a Flask config handed over with \`conf.update(app.config)\`, a config module — Celery ignores it (its old name is \`BROKER_HEARTBEAT\`, and \`_TO_NEW_KEY\` has no \`CELERY_BROKER_HEARTBEAT\`; checked with Celery 4.4.7 and 5.7.0 by test/audit/flask-conf-update-real-celery.test.ts). The message names the key Celery does read, and where the config already sets it. A Flask config also holds the web app's own keys (\`SECRET_KEY\`, \`SQLALCHEMY_*\`): only \`CELERY_\`/\`BROKER_\`-prefixed ones are taken as meant for Celery.`,
    fix: 'Use the name suggested in the message, or delete the key.',
    examples: { bad: "app.conf.update(worker_concurency=8)", good: "app.conf.update(worker_concurrency=8)" },
    sources: [
      { title: 'Every setting Celery knows', ref: 'celery@v5.6.3:celery/app/defaults.py' },
      { title: 'Docs table of old names (22 rows differ from the code map at 5.6.3)', ref: 'celery@v5.6.3:docs/userguide/configuration.rst vs celery@v5.6.3:celery/app/defaults.py (_TO_NEW_KEY)' },
      { title: 'Old names are derived per option (broker_url → BROKER_URL; no CELERY_BROKER_* alias), the same at 4.4.1', ref: 'celery@4.4.1:celery/app/defaults.py (_to_compat)' },
    ],
  },
  check(ctx) {
    // unknown keys with no near-miss wait for one pass that finds where the project mentions them (readByProject)
    const unsure: { a: SettingAssignment; source: ConfigSource }[] = [];
    for (const source of ctx.model.configSources) {
      const seen = new Set<string>();
      for (const a of source.settings) {
        if (seen.has(a.name)) continue; // one key set in both branches of an if: one finding
        seen.add(a.name);
        // test code overrides settings for its own runs: not the production config
        if (isTestFile(a.loc.file)) continue;
        const st = classifyKey(a.name, source, ctx.knowledge);
        // the project hands the value to Celery itself (`app.conf.beat_schedule = app.conf.CELERY_BEAT_SCHEDULE`)
        if ((st.kind === 'unknown' || st.kind === 'doc-only') && appliedByProject(ctx.model, ctx.knowledge, a.name)) continue;
        const removed = ctx.knowledge.settings.get(a.name)?.removedIn;
        if (st.kind === 'unknown' && removed) {
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` was removed in Celery ${removed}: it is silently ignored`, hint: 'delete it' });
          continue;
        }
        if (st.kind === 'doc-only') {
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is not read by Celery (the docs table lists it, the code does not): it is silently ignored`, hint: `use \`${st.newName}\`` });
        } else if (st.kind === 'unknown' && st.suggestion && a.name !== a.name.toUpperCase() && ctx.knowledge.oldToNew.get(a.name.toUpperCase()) === st.suggestion) {
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is an old-style name in lower case: Celery matches old names only in upper case (\`${a.name.toUpperCase()}\`), so it is silently ignored and \`${st.suggestion}\` keeps its default`, hint: `rename to \`${st.suggestion}\`` });
        } else if (st.kind === 'unknown') {
          // "did you mean" only for a true near-miss (a typo), not for another setting that shares words
          const suggestion = st.suggestion && nearMiss(a.name, st.suggestion) ? st.suggestion : null;
          // a CELERY_-prefixed setting the project reads itself (settings.CELERY_REDIS_URL elsewhere, or
          // CELERY_BROKER_URL = CELERY_REDIS_URL in the same module) is its own setting, not a typo of Celery's
          if (!suggestion) {
            unsure.push({ a, source });
            continue;
          }
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is not a Celery setting: it is silently ignored; did you mean \`${suggestion}\`?`, hint: `rename to \`${suggestion}\`` });
        }
      }
    }
    const mentions = nameMentions(ctx.model, new Set(unsure.map((u) => u.a.name)));
    for (const { a, source } of unsure) {
      if (readByProject(mentions.get(a.name) ?? [], a.name, a.keyLoc.file, a.keyLoc.line)) continue;
      const prefixed = prefixedForm(a.name, source, ctx.knowledge);
      if (prefixed) ctx.report({ loc: a.keyLoc, key: a.name, message: prefixed.message, hint: prefixed.hint });
      else ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is not a Celery setting: it is silently ignored`, hint: 'delete it, or check the name against `celery.app.defaults`' });
    }
  },
};

/**
 * `CELERY_BROKER_HEARTBEAT` in a config read without a namespace (a Flask config handed to conf.update, a module):
 * the `CELERY_` + setting-name form only works under namespace='CELERY'; Celery reads `broker_heartbeat` or
 * its old name `BROKER_HEARTBEAT` here (celery/app/defaults.py _TO_NEW_KEY has no CELERY_BROKER_HEARTBEAT).
 */
function prefixedForm(name: string, source: ConfigSource, k: Knowledge): { message: string; hint: string } | null {
  if (source.namespace || !name.startsWith('CELERY_')) return null;
  const newName = name.slice('CELERY_'.length).toLowerCase();
  const fact = k.settings.get(newName);
  if (!fact || fact.removedIn) return null;
  const olds = [...k.oldToNew].filter(([, v]) => v === newName).map(([o]) => o);
  const old = olds.find((o) => o === newName.toUpperCase()) ?? olds[0] ?? null;
  const working = source.settings.find((s) => s.name !== name && [newName, old].includes(s.name));
  const names = old ? `\`${newName}\` (old name \`${old}\`)` : `\`${newName}\``;
  return {
    message: `\`${name}\` is not a Celery setting here: the \`CELERY_\` prefix only works when the config is loaded with namespace='CELERY', so it is silently ignored; Celery reads ${names}${working ? `, which this config sets at ${working.keyLoc.file}:${working.keyLoc.line}` : ''}`,
    hint: working ? 'delete it' : `rename to \`${old ?? newName}\` in a config of old-style names, \`${newName}\` otherwise`,
  };
}

/** A typo-sized difference: at most 2 edits (1 for short names). */
function nearMiss(name: string, suggestion: string): boolean {
  return distance(name.toLowerCase(), suggestion.toLowerCase()) <= (name.length < 12 ? 1 : 2);
}

/**
 * The name is read (not assigned) somewhere other than where it is assigned: another Python file, or the same module.
 * `definedIn` is the file of the assignment itself (a Flask config module or a dict reached through conf.update is not
 * the source's own file), else the assignment would count as its own read.
 */
function readByProject(mentions: NameMention[], name: string, definedIn: string, assignedLine: number): boolean {
  const assigns = new RegExp(`^\\s*${name}\\s*(:[^=]*)?=[^=]`);
  return mentions.some((m) =>
    !(m.file === definedIn && m.line === assignedLine)
    && !assigns.test(m.text) // another assignment of it
    && !/^\s*#/.test(m.text)); // a comment names it, nothing reads it
}
