import semver from 'semver';
import type { Rule } from './types.js';
import { npmVersion } from '../model/typescript/npm-versions.js';

/** APIs a BullMQ major removed, with the major that removed them (BullMQ changelogs / migration guide). */
const REMOVED: Record<string, { major: number; use: string }> = {
  QueueScheduler: { major: 2, use: 'delete it: delayed jobs and stalled-job checks are handled by the Worker since 2.0.0' },
  repeat: { major: 6, use: 'use `queue.upsertJobScheduler(id, repeatOpts, template)`' },
  getRepeatableJobs: { major: 6, use: 'use `queue.getJobSchedulers()`' },
  removeRepeatable: { major: 6, use: 'use `queue.removeJobScheduler(id)`' },
  removeRepeatableByKey: { major: 6, use: 'use `queue.removeJobScheduler(id)`' },
  debounce: { major: 6, use: 'use the `deduplication` option' },
};

export const rule: Rule = {
  meta: {
    id: 'JC310',
    name: 'bullmq-removed-api',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    title: 'BullMQ API removed by a major release (QueueScheduler in 2.0, legacy repeatable jobs and debounce in 6.0)',
    description: `BullMQ 2.0.0 removed the \`QueueScheduler\` class ("The QueueScheduler class is removed since it is not necessary anymore"): importing it yields \`undefined\` and \`new QueueScheduler(...)\` throws a TypeError. BullMQ 6.0.0 removed the legacy repeatable-job APIs (\`add(…, { repeat })\`, \`addBulk(…, { repeat })\`, \`getRepeatableJobs\`, \`removeRepeatable\`, \`removeRepeatableByKey\`, \`Repeat\`) in favour of Job Schedulers, and the \`debounce\` option in favour of deduplication. The installed version comes from package-lock.json (or an exact pin in package.json); the range's lower bound is used otherwise. Below the removing major the use is reported as info (an upgrade blocker).`,
    fix: 'Replace the API as the hint says before installing (or while on) the major that removed it.',
    examples: { language: 'typescript', bad: "import { QueueScheduler } from 'bullmq';\nnew QueueScheduler('mail', { connection });", good: "// BullMQ >= 2: nothing to start; the Worker handles delayed and stalled jobs" },
    sources: [
      { title: 'BullMQ 2.0.0 BREAKING CHANGES: QueueScheduler removed', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/changelogs/changelog-v2.md' },
      { title: 'BullMQ docs, Stalled jobs: "From BullMQ 2.0 and onwards, the QueueScheduler is not needed anymore"', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/jobs/stalled.md' },
      { title: 'Migrate from v5 to v6: repeatable-job APIs and debounce removed', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/migrations/migrate-from-v5-to-v6.md' },
    ],
  },
  check(ctx) {
    const ts = ctx.model.ts;
    if (!ts) return;
    const installed = npmVersion(ts, 'bullmq');
    for (const use of ts.bullRemovedApis) {
      const r = REMOVED[use.api];
      if (!r) continue;
      const removedIn = `${r.major}.0.0`;
      const already = installed === null || semver.gte(installed.version, removedIn);
      const label = use.api === 'repeat' || use.api === 'debounce' ? `the \`${use.api}\` job option` : `\`${use.api}\``;
      ctx.report({
        loc: use.loc,
        key: use.api,
        severity: already ? 'error' : 'info',
        message: already
          ? `${label} was removed in BullMQ ${removedIn}${installed ? ` and this project has ${installed.version} (${installed.file})` : ''}: it no longer exists`
          : `${label} is removed in BullMQ ${removedIn} (installed: ${installed!.version}): it blocks that upgrade`,
        hint: r.use,
      });
    }
  },
};
