import type { Rule } from './types.js';
import { onlyInDevelopment, runsInContainer } from './lib/deploy.js';
import { effectiveSettings } from './lib/settings.js';
import { hasOption } from '../model/integrations/celery-command.js';
import { settingState } from './lib/fact-state.js';

export const rule: Rule = {
  meta: {
    id: 'JC403',
    name: 'worker-without-concurrency-in-container',
    band: 'deploy',
    severity: 'info',
    confidence: 'medium',
    title: 'Worker in a container without a concurrency setting: one process per host CPU',
    description: 'When `-c/--concurrency` and `worker_concurrency` are unset, the prefork pool starts one child per CPU that `os.cpu_count()` reports (celery/worker/worker.py setup_instance) — the host\'s CPUs, not the container\'s CPU limit. On a 32-core node with a 1-CPU limit that is 32 children fighting for one CPU and 32× the memory. The same holds for a Procfile run by a platform that gives each process a container with a CPU share (Cloud Foundry, Heroku dynos, AWS Copilot). Celery 5.7 still defaults to the CPU count; only an explicit `--concurrency=auto` reads the cgroup CPU quota.',
    fix: 'Set `-c N` (or worker_concurrency) to the container\'s CPU/memory budget (on Celery 5.7+, `-c auto` sizes prefork to the cgroup CPU quota).',
    sources: [
      { title: 'concurrency defaults to cpu_count()', ref: 'celery@v5.6.3:celery/worker/worker.py (WorkController.setup_instance)' },
      { title: '5.7: the default is still cpu_count(); `auto` is capped to the cgroup quota for prefork', ref: 'celery@v5.7.0:celery/worker/worker.py (WorkController._resolve_auto_concurrency)' },
    ],
  },
  check(ctx) {
    // set in the config, or the config is partly unread (JC001 names it): the command line is not the only say
    if (settingState(ctx.model, ctx.knowledge, 'worker_concurrency', {}, effectiveSettings(ctx.model, ctx.knowledge)).state !== 'absent') return;
    for (const w of ctx.model.workerCommands) {
      if (w.subcommand !== 'worker' || w.concurrency !== null) continue;
      // `-c $WORKERS` or `--autoscale` is an explicit choice even when the number is not written here
      if (hasOption(w.argv, ['-c', '--concurrency', '--autoscale'])) continue;
      // set through a variable that stands for whole options (`$CELERYD_OPTS`), or unknown because of one
      if (w.options?.worker_concurrency || w.options?.autoscale) continue;
      // a developer's local compose stack runs on a laptop, not under a container CPU limit
      if (!runsInContainer(w) || onlyInDevelopment(w)) continue;
      const pool = (w.pool ?? 'prefork').toLowerCase();
      if (pool !== 'prefork' && pool !== 'processes') continue;
      const where = w.platform ? ` (run by ${w.platform.name}: ${w.platform.file})` : '';
      ctx.report({ loc: w.loc, key: w.raw, message: `this containerised worker sets no concurrency${where}: prefork starts one child per host CPU, not per container CPU limit`, hint: 'add `-c N` for the container\'s budget' });
    }
  },
};
