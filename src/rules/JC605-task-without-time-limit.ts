import type { Rule } from './types.js';
import { everyWorkerSets } from './lib/deploy.js';
import { appImportDir } from '../model/app-root.js';
import { effectiveSettings, isTestFile, projectApps } from './lib/settings.js';
import { settingState } from './lib/fact-state.js';

export const rule: Rule = {
  meta: {
    id: 'JC605',
    name: 'task-without-time-limit',
    band: 'readiness',
    severity: 'info',
    confidence: 'medium',
    title: 'No task time limit: a hung task holds a worker slot forever',
    description: 'Celery sets no time limit by default (`task_time_limit = None`). A task stuck on a network call without a timeout keeps its pool slot until the worker is restarted; enough of them and the worker stops consuming. A global `task_time_limit` (with a lower `task_soft_time_limit`) is a cheap backstop; long tasks can raise theirs.',
    fix: 'Set task_time_limit and task_soft_time_limit (e.g. 600 / 540) in the app config, and override per task where needed.',
    sources: [{ title: 'Celery docs, Configuration: task_time_limit (default: no time limit)', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' }],
  },
  check(ctx) {
    if (ctx.model.tasks.length === 0) return;
    // `celery worker --time-limit=N` on every worker sets task_time_limit for all of them
    if (everyWorkerSets(ctx.model.workerCommands, 'task_time_limit')) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    // with several apps in one tree (examples/, monorepos) a task or config file belongs to the app
    // whose import folder is the deepest one containing it; a single app owns everything
    const apps = projectApps(ctx.model);
    const dirs = new Map(apps.map((a) => [a, appImportDir(a)]));
    const owner = (file: string): (typeof ctx.model.apps)[number] | undefined => {
      let best: (typeof ctx.model.apps)[number] | undefined;
      for (const [a, d] of dirs) {
        if (d !== '' && !file.startsWith(`${d}/`)) continue;
        if (!best || d.length > dirs.get(best)!.length) best = a;
      }
      return best;
    };
    const single = apps.length === 1;
    for (const app of apps) {
      const mine = (file: string): boolean => single || owner(file) === app;
      const state = settingState(ctx.model, ctx.knowledge, 'task_time_limit', { app, cli: true, where: (s) => app.configSourceIds.includes(s.source.id) || mine(s.source.file) }, settings);
      if (state.state !== 'absent') continue; // set, or in a source jobctl could not read (JC001 names it)
      const without = ctx.model.tasks.filter((t) => t.options.time_limit === undefined && (!isTestFile(t.file) || isTestFile(app.loc.file)) && mine(t.file));
      if (without.length === 0) continue;
      ctx.report({ loc: app.loc, key: app.id, message: `no task_time_limit is set and ${without.length} task${without.length === 1 ? ' has' : 's have'} no time_limit (e.g. \`${without[0]!.name}\`): a hung task holds its worker slot forever`, hint: 'set task_time_limit / task_soft_time_limit in this app\'s config' });
    }
  },
};

