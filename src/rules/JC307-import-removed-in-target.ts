import type { Rule } from './types.js';
import { celeryImports } from './lib/imports.js';
import { compareVersions } from './lib/versions.js';

const line = (v: string): string => v.split('.').slice(0, 2).join('.');

export const rule: Rule = {
  meta: {
    id: 'JC307',
    name: 'import-removed-in-target',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    needsTarget: true,
    title: 'Code imports a name the target Celery no longer has',
    description: 'Between release lines Celery drops names from its modules — often helpers that were only re-exported from kombu or an internal module (5.7.0 no longer re-exports `maybe_sanitize_url` from `celery.app.utils`). Code that imports them works on the current release and dies with `ImportError` when the worker imports the app on the target. jobctl compares the public names of every `celery.*` module in the newest release of each line, read from the installed wheels (`scripts/gen-removed-names.py`), and reports each import of a name that disappears on the way from the current release to the target. Names that were only stdlib or typing helpers (`timedelta`, `Any`) are not counted. `jobctl verify --to` shows the same failure for real (import stage).',
    fix: 'Import the name from where it lives (the message names its new home when it was a re-export), or drop the dependency on the internal helper.',
    examples: { bad: 'from celery.app.utils import maybe_sanitize_url', good: 'from kombu.utils.url import maybe_sanitize_url' },
    sources: [
      { title: 'Public names per celery module, per release line, from the wheels', ref: 'src/knowledge/data/removed-names.json (scripts/gen-removed-names.py)' },
      { title: 'Reproduced: ImportError under 5.7.0, fine under 5.3.6 and 5.6.2', ref: 'fixtures/verify-import-breaks (test/verify/verify.test.ts)' },
    ],
  },
  check(ctx) {
    const target = ctx.target;
    const removed = ctx.knowledge.removedNames ?? [];
    if (!target || removed.length === 0) return;
    // the lines crossed: newer than the current release (when known), up to the target's line
    const crossed = removed.filter((r) => compareVersions(line(r.to), line(target.version)) <= 0 && (!ctx.current || compareVersions(line(r.to), line(ctx.current.version)) > 0));
    if (crossed.length === 0) return;
    for (const imp of celeryImports(ctx.model)) {
      for (const r of crossed) {
        const moduleGone = r.modules.includes(imp.module);
        const nameGone = imp.name !== null && (r.names[imp.module] ?? []).includes(imp.name);
        if (!moduleGone && !nameGone) continue;
        const what = moduleGone ? `module \`${imp.module}\`` : `\`${imp.name}\` from \`${imp.module}\``;
        ctx.report({
          loc: { file: imp.file, line: imp.line, column: imp.column }, key: `${imp.module}:${imp.name ?? ''}`,
          message: `${what} exists in Celery ${r.from} but not in ${r.to}: importing it fails with ImportError under the target ${target.version}`,
          hint: imp.name === 'maybe_sanitize_url' ? 'import it from kombu.utils.url' : 'import it from the module that defines it, or stop depending on it',
        });
        break;
      }
    }
  },
};
