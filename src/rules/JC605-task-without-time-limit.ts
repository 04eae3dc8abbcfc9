import type { Rule } from './types.js';
import type { CeleryApp, TaskDef } from '../model/types.js';
import { everyWorkerSets } from './lib/deploy.js';
import { appImportDir } from '../model/app-root.js';
import { effectiveSettings, isTestFile, projectApps } from './lib/settings.js';
import { candidatesNote, settingState } from './lib/fact-state.js';

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
    // with several apps in one tree (examples/, monorepos) a task or config file belongs to the app(s)
    // whose import folder is the deepest one containing it; a single app owns everything. Apps that share
    // that folder share its tasks: @shared_task and @app.task (shared=True by default) register on every app
    // of the process (a Django project's celery.py app runs the tasks another module's app decorates).
    const apps = projectApps(ctx.model);
    const dirs = new Map(apps.map((a) => [a, appImportDir(a)]));
    const depth = (file: string): number => Math.max(-1, ...[...dirs.values()].filter((d) => d === '' || file.startsWith(`${d}/`)).map((d) => d.length));
    const single = apps.length === 1;
    const inTree = (a: CeleryApp, file: string): boolean => { const d = dirs.get(a)!; return (d === '' || file.startsWith(`${d}/`)) && depth(file) === d.length; };
    // an app a worker runs: it autodiscovers the project's tasks, or a worker command names it (-A proj)
    const runs = (a: CeleryApp): boolean => a.autodiscover || ctx.model.workerCommands.some((w) => w.subcommand === 'worker' && w.app !== null && namesApp(w.app, a));
    const taskOf = (app: CeleryApp, t: TaskDef): boolean => {
      if (single) return true;
      if (!inTree(app, t.file)) return false;
      const tied = apps.filter((a) => inTree(a, t.file));
      if (tied.length === 1) return true;
      // the app the decorator names, and any other app a worker runs (the task registers there too)
      if (t.appId && tied.some((a) => a.id === t.appId)) return app.id === t.appId || runs(app);
      return runs(app) || (!tied.some(runs) && app === tied[0]);
    };
    const configFiles = (a: CeleryApp): string => [...new Set(ctx.model.configSources.filter((c) => a.configSourceIds.includes(c.id)).map((c) => c.file))].sort().join('\n');
    const sameConfig = (a: CeleryApp, b: CeleryApp): boolean => configFiles(a) !== '' && configFiles(a) === configFiles(b);
    for (const app of apps) {
      // a producer app built beside the worker's app from the same config (codabench's per-vhost copies of Django's
      // settings, which do not autodiscover tasks): the limit that counts is the worker app's, reported there
      if (!app.autodiscover && apps.some((a) => a !== app && a.autodiscover && sameConfig(a, app))) continue;
      const mine = (file: string): boolean => single || inTree(app, file);
      const state = settingState(ctx.model, ctx.knowledge, 'task_time_limit', { app, cli: true, flags: ['--time-limit'], where: (s) => app.configSourceIds.includes(s.source.id) || mine(s.source.file) }, settings);
      if (state.state !== 'absent') continue; // set, or in a source jobctl could not read (JC001 names it)
      const without = ctx.model.tasks.filter((t) => t.options.time_limit === undefined && (!isTestFile(t.file) || isTestFile(app.loc.file)) && taskOf(app, t));
      if (without.length === 0) continue;
      ctx.report({ loc: app.loc, key: app.id, message: `no task_time_limit is set${candidatesNote(ctx.model, app)} and ${without.length} task${without.length === 1 ? ' has' : 's have'} no time_limit (e.g. \`${without[0]!.name}\`): a hung task holds its worker slot forever`, hint: 'set task_time_limit / task_soft_time_limit in this app\'s config' });
    }
  },
};

/** `celery -A proj` / `-A proj.celery:app` names this app (Celery also tries `<module>.celery`). */
function namesApp(spec: string, app: CeleryApp): boolean {
  const mod = spec.split(':')[0]!.trim();
  return app.module === mod || app.module === `${mod}.celery` || `${app.module}.${app.variable}` === mod;
}
