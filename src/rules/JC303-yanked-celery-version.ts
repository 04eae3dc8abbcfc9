import type { Rule } from './types.js';
import { compareVersions } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC303',
    name: 'yanked-celery-version',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    title: 'Celery pinned or locked to a yanked release',
    description: 'PyPI marks withdrawn releases as yanked (e.g. Celery 5.0.6 "Backporting of patches did not succeed", 5.2.5 "due to a regression"); 5.3.2 and 5.3.3 ("yanked due to breaking API changes" per the changelog, reverted in 5.3.4) have no files on PyPI at all. pip installs a yanked release only when pinned exactly, so a project pinned to one runs a release its maintainers asked everybody to move off.',
    fix: 'Move to the next release of the same line (e.g. 5.3.4 instead of 5.3.2/5.3.3, 5.2.6 instead of 5.2.5).',
    sources: [
      { title: 'Yanked flags from the package index', ref: 'src/knowledge/data (scripts/gen-release-data.py)' },
      { title: 'Changelog 5.2 / 5.3', ref: 'celery@v5.3.6:docs/history/changelog-5.3.rst' },
    ],
  },
  check(ctx) {
    for (const d of ctx.model.dependencies) {
      const version = d.version;
      if (d.name !== 'celery' || !version) continue;
      const unpublished = ctx.knowledge.unpublishedReleases?.find((u) => u.version === version);
      if (unpublished) {
        ctx.report({ loc: d.loc, key: version, message: `celery ${version} has no files on PyPI (${unpublished.note}): this pin cannot be installed`, hint: 'use celery==5.3.4 or newer' });
        continue;
      }
      const r = ctx.knowledge.releases.find((x) => x.version === d.version);
      if (!r?.yanked) continue;
      const next = ctx.knowledge.releases.find((x) => !x.yanked && x.version.split('.').slice(0, 2).join('.') === version.split('.').slice(0, 2).join('.') && compareVersions(x.version, version) > 0);
      ctx.report({ loc: d.loc, key: version, message: `celery ${version} was yanked from PyPI${r.yankedReason ? ` ("${r.yankedReason}")` : ''}`, hint: next ? `use celery==${next.version}` : 'move to a supported release' });
    }
  },
};
