import type { Rule } from './types.js';
import { onlyInDevelopment, runsInContainer, trapsTerm } from './lib/deploy.js';

export const rule: Rule = {
  meta: {
    id: 'JC402',
    name: 'worker-backgrounded-in-container',
    band: 'deploy',
    severity: 'warning',
    confidence: 'high',
    title: 'Celery worker started as a background job of a shell (`… & celery worker`)',
    description: `In \`CMD python main.py & celery -A app worker\` the container's main process is a shell; the worker is one of its background jobs. On deploy the runtime sends SIGTERM to the shell only, so the worker never gets its warm-shutdown signal: running tasks are cut off when the container is killed (and, without acks_late, lost). If either process dies the container keeps running half-broken, and the orchestrator cannot restart the worker on its own. Logs of both interleave.`,
    fix: 'Run the web process and the worker as separate services/containers (or processes under a supervisor that forwards signals), each started with `exec`.',
    sources: [
      { title: 'Celery docs: Stopping the worker (TERM → warm shutdown)', ref: 'celery@v5.6.3:docs/userguide/workers.rst' },
      { title: 'Docker docs: CMD shell form runs under /bin/sh -c, which does not pass signals', ref: 'https://docs.docker.com/reference/dockerfile/#shell-and-exec-form' },
    ],
  },
  check(ctx) {
    for (const w of ctx.model.workerCommands) {
      if (!w.backgrounded || w.subcommand !== 'worker') continue;
      if (!runsInContainer(w)) continue; // a host script may background on purpose
      if (onlyInDevelopment(w)) continue; // a test or dev container: no deploy signals to honour
      if (w.source === 'shell' && trapsTerm(ctx.model, w.file)) continue; // `trap 'kill -TERM $child; wait $child' TERM` forwards it
      ctx.report({ loc: w.loc, key: w.raw, message: 'the Celery worker runs as a background job of a shell: deploy signals (SIGTERM) do not reach it, so there is no warm shutdown and running tasks are cut off', hint: 'start the worker as its own service/container with `exec celery -A … worker`' });
    }
  },
};
