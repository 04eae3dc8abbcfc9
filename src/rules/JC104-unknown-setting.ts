import type { Rule } from './types.js';
import { classifyKey } from './lib/settings.js';

export const rule: Rule = {
  meta: {
    id: 'JC104',
    name: 'unknown-setting',
    band: 'settings',
    severity: 'warning',
    confidence: 'medium',
    title: 'Setting name Celery does not know: silently ignored',
    description: `Celery accepts any key in its configuration and ignores the ones it does not know, without a warning. A typo (\`worker_concurency\`), a name from another tool, or a name copied from Celery's docs table of old settings (which is wrong in 22 rows: e.g. \`CELERY_TASK_ALWAYS_EAGER\` without a namespace is ignored, the code reads \`CELERY_ALWAYS_EAGER\` / \`task_always_eager\`) leaves the default in force. Verified on Celery 5.6.3 (docs/evidence/settings-mixing-trial.celery-5.6.3.txt). A \`CELERY_\`-prefixed Django setting that the project's own code reads elsewhere and that is close to no Celery setting is taken as the project's own and not reported.`,
    fix: 'Use the name suggested in the message, or delete the key.',
    examples: { bad: "app.conf.update(worker_concurency=8)", good: "app.conf.update(worker_concurrency=8)" },
    sources: [
      { title: 'Every setting Celery knows', ref: 'celery@v5.6.3:celery/app/defaults.py' },
      { title: 'Docs table vs code (22 rows differ)', ref: 'shared/research/celery-settings-map.tsv (DOC-TABLE rows)' },
    ],
  },
  check(ctx) {
    for (const source of ctx.model.configSources) {
      for (const a of source.settings) {
        const st = classifyKey(a.name, source, ctx.knowledge);
        if (st.kind === 'doc-only') {
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is not read by Celery (the docs table lists it, the code does not): it is silently ignored`, hint: `use \`${st.newName}\`` });
        } else if (st.kind === 'unknown') {
          // a CELERY_-prefixed Django setting the project reads itself (settings.CELERY_RESTRICT_WRITER_METHOD)
          // is its own setting, not a typo of Celery's — unless it is close to a real one
          if (!st.suggestion && source.kind === 'django-settings' && readElsewhere(ctx.model, a.name, a.loc.file)) continue;
          ctx.report({ loc: a.keyLoc, key: a.name, message: `\`${a.name}\` is not a Celery setting: it is silently ignored${st.suggestion ? `; did you mean \`${st.suggestion}\`?` : ''}`, hint: st.suggestion ? `rename to \`${st.suggestion}\`` : 'delete it, or check the name against `celery.app.defaults`' });
        }
      }
    }
  },
};

function readElsewhere(model: import('../model/types.js').ProjectModel, name: string, definedIn: string): boolean {
  const re = new RegExp(`\\b${name}\\b`);
  return model.files.some((f) => f.kind === 'python' && f.file !== definedIn && re.test(f.text));
}
