import type { Rule } from './types.js';
import { containerInit, onlyInDevelopment, runsInContainer, trapsTerm, CONTAINER_SOURCES } from './lib/deploy.js';

export const rule: Rule = {
  meta: {
    id: 'JC404',
    name: 'worker-not-exec-in-container-script',
    band: 'deploy',
    severity: 'warning',
    confidence: 'medium',
    title: 'Container start script runs the worker without `exec`: the shell, not the worker, gets SIGTERM',
    description: `A start script that a container runs as its main process (compose \`command: ./bin/worker.sh\`, a Dockerfile CMD/ENTRYPOINT, a Kubernetes command) and that ends with \`celery -A proj worker\` instead of \`exec celery -A proj worker\` keeps the shell as the worker's parent: neither bash nor dash replaces itself with the last command of a script file (docs/evidence/shell-exec-last-command.txt). On deploy the runtime sends SIGTERM to the shell, which does not pass it on — as PID 1 it even ignores it — so the worker never starts its warm shutdown; after the grace period everything is SIGKILLed and running tasks are cut off (lost without acks_late).

Silent when the line says \`exec\`, when the script traps TERM, when an init process runs the container (tini, dumb-init, compose \`init: true\`: dumb-init signals the whole process group by default, tini only with \`-g\`; jobctl does not tell them apart and stays silent), and for \`sh -c '…'\` / \`bash -c '…'\` strings: bash 5.2 execs their last command, Debian's dash 0.5.12 does not (same evidence file), and which shell \`sh\` is depends on the image, so jobctl does not decide.`,
    fix: 'Start the worker with `exec celery -A proj worker …` as the script\'s last command.',
    examples: { language: 'sh', bad: '#!/bin/bash\npython manage.py migrate\ncelery -A proj worker -l info', good: '#!/bin/bash\npython manage.py migrate\nexec celery -A proj worker -l info' },
    sources: [
      { title: 'Celery docs: Stopping the worker (TERM → warm shutdown)', ref: 'celery@v5.6.3:docs/userguide/workers.rst' },
      { title: 'Docker docs: ENTRYPOINT — use exec so the process is PID 1 and receives signals', ref: 'https://docs.docker.com/reference/dockerfile/#entrypoint' },
      { title: 'bash and dash keep the shell as the parent of a script file\'s last command', ref: 'docs/evidence/shell-exec-last-command.txt' },
    ],
  },
  check(ctx) {
    if (containerInit(ctx.model)) return;
    for (const w of ctx.model.workerCommands) {
      if (w.subcommand !== 'worker' || w.source !== 'shell' || w.exec || w.backgrounded || w.inShellString || w.multi) continue;
      // the script is a container's main process: a container's command runs it (other launchers may run it too)
      if (!(w.launchedBy ?? []).some((l) => CONTAINER_SOURCES.has(l.source))) continue;
      if (!runsInContainer(w) || onlyInDevelopment(w)) continue;
      // reloaders and process managers handle signals themselves
      if (/\b(watchmedo|watchfiles|honcho|supervisord)\b/.test(w.raw)) continue;
      if (trapsTerm(ctx.model, w.file)) continue;
      ctx.report({ loc: w.loc, key: w.raw, message: 'the container\'s start script runs the worker as a child of the shell (no `exec`): SIGTERM on deploy stops at the shell, so the worker gets no warm shutdown and is killed mid-task after the grace period', hint: 'write `exec celery … worker …` so the worker replaces the shell' });
    }
  },
};
