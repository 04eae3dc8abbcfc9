import type { Rule } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC305',
    name: 'celery-unpinned',
    band: 'versions',
    severity: 'info',
    confidence: 'medium',
    title: 'Celery required without an upper bound and without a lock file',
    description: 'A requirement like `celery` or `celery>=5.3` with no lock file lets every fresh install pick the newest release, including a new major (Celery 6 removes the old setting names, for one). The upgrade then happens at deploy time, unreviewed.',
    fix: 'Pin celery (`celery==5.6.3` or `celery>=5.6,<5.7`) or commit a lock file (pip-compile, uv, Poetry).',
    sources: [{ title: 'Old setting names removed in 6.0', ref: 'celery@v5.6.3:docs/userguide/configuration.rst (New lowercase settings)' }],
  },
  check(ctx) {
    const locked = ctx.model.dependencies.some((d) => d.name === 'celery' && d.isLock);
    if (locked) return;
    // a pip-compiled output under another name (requirements/base.pip compiled from base.in, without the usual
    // header) or a constraints file (`pip install -c constraints.txt`) pinning celery is what gets installed
    if (ctx.model.dependencies.some((d) => d.name === 'celery' && d.version !== null && /\.pip$|(^|[/_.-])constraints?[^/]*$/i.test(d.file))) return;
    for (const d of ctx.model.dependencies) {
      if (d.name !== 'celery' || d.isLock) continue;
      const spec = d.specifier.replace(/\s/g, '');
      const bounded = /(==|~=|<|\^|~(?!=))/.test(spec) || d.version !== null;
      if (bounded) continue;
      ctx.report({ loc: d.loc, key: d.file, message: `celery is required as \`${d.rawName}${d.specifier}\` with no upper bound and no lock file: a fresh install takes whatever is newest`, hint: 'pin it or commit a lock file' });
    }
  },
};
