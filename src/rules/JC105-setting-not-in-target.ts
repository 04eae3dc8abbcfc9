import type { Rule } from './types.js';
import { intendedSettings } from './lib/settings.js';

export const rule: Rule = {
  meta: {
    id: 'JC105',
    name: 'setting-not-in-target',
    band: 'settings',
    severity: 'error',
    confidence: 'high',
    needsTarget: true,
    title: 'Setting does not exist in the target Celery release',
    description: `Settings come and go between releases (e.g. \`broker_connection_retry_on_startup\` arrived in 5.3.0, \`worker_soft_shutdown_timeout\` in 5.5.0, \`worker_eta_task_limit\` in 5.6.0; \`task_queue_ha_policy\` was removed in 5.0.2). On a release without it the key is silently ignored, so a config written for one version quietly loses behaviour on another. The list of settings per release is read from each release's own \`celery.app.defaults\` (src/knowledge/data).`,
    fix: 'Pick a target that has the setting, or drop it and get the behaviour another way.',
    sources: [
      { title: 'Settings per release, generated from the packages', ref: 'src/knowledge/data (scripts/gen-release-data.py)' },
      { title: 'celery.app.defaults of each release', ref: 'celery@<tag>:celery/app/defaults.py' },
    ],
  },
  check(ctx) {
    const target = ctx.target;
    if (!target) return;
    const present = new Set(target.settings);
    for (const s of intendedSettings(ctx.model, ctx.knowledge)) {
      if (s.source.kind === 'celery-ctor') continue;
      if (present.has(s.newName)) continue;
      const fact = ctx.knowledge.settings.get(s.newName);
      if (!fact) continue; // read by Celery outside defaults.py (result_backend_thread_safe): no per-release data
      const why = fact?.removedIn ? `removed in ${fact.removedIn}` : fact ? `added in ${fact.since}` : 'not known to it';
      ctx.report({ loc: s.assignment.keyLoc, key: s.assignment.name, message: `\`${s.assignment.name}\` (${s.newName}) does not exist in Celery ${target.version} (${why}): it would be silently ignored`, hint: fact?.removedIn ? 'remove it' : `target ${fact?.since ?? 'a newer release'} or later, or remove it` });
    }
  },
};
