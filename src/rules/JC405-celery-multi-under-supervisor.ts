import type { Rule } from './types.js';
import type { ProjectModel, WorkerCommand } from '../model/types.js';
import { CONTAINER_SOURCES, onlyInDevelopment, trapsTerm } from './lib/deploy.js';

export const rule: Rule = {
  meta: {
    id: 'JC405',
    name: 'celery-multi-under-supervisor',
    band: 'deploy',
    severity: 'warning',
    confidence: 'high',
    title: '`celery multi start` run by supervisord or as a container\'s process: the workers are detached from it',
    description: `\`celery multi start\` starts each node as \`celery worker --detach\` (celery/apps/multi.py) and exits. It is meant for init systems that track daemons by pid file (the systemd unit with \`Type=forking\` in Celery's daemonizing guide). Under supervisord the program exits at once: supervisord marks it exited or restarts it in a loop (starting more nodes, or failing on the pid files), and its stop/restart never reaches the workers. As a container's command (or in the container's start script) the workers are not the container's process: deploy signals do not reach them, their logs are not the container's output, and a dead worker does not restart the container.`,
    fix: 'Run one `celery worker` per supervisord program (or per container) in the foreground, with `-n name@%h` and its own options; use `numprocs` or several programs instead of multi.',
    examples: { language: 'ini', bad: '[program:celery]\ncommand=celery multi start w1 -A proj -c 4', good: '[program:celery]\ncommand=celery -A proj worker -n w1@%%h -c 4' },
    sources: [
      { title: 'celery multi runs each node with `worker --detach`', ref: 'celery@v5.6.3:celery/apps/multi.py (Node.__init__ cmd)' },
      { title: 'Celery docs: Daemonization — multi under systemd Type=forking; supervisord runs `celery worker`', ref: 'celery@v5.6.3:docs/userguide/daemonizing.rst' },
    ],
  },
  check(ctx) {
    const seen = new Set<string>();
    for (const w of ctx.model.workerCommands) {
      if (!w.multi || w.subcommand !== 'worker' || onlyInDevelopment(w)) continue;
      const under = supervisor(w, ctx.model);
      if (!under) continue;
      const key = `${w.file}:${w.loc.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const message = under === 'supervisord'
        ? `supervisord program ${w.processName ?? ''} runs \`celery multi start\`, which detaches the workers and exits: supervisord loses them (it sees the program exit), and its stop/restart never reach the workers`
        : 'the container runs `celery multi start`, which detaches the workers and exits: they are not the container\'s process, so deploy signals, logs and restarts do not reach them';
      ctx.report({ loc: w.loc, key: w.raw, message: message.replace('  ', ' '), hint: 'run `celery -A … worker -n name@%h …` in the foreground, one per program or container' });
    }
  },
};

/** what runs this multi line, when it is a supervisor that expects a foreground process */
function supervisor(w: WorkerCommand, model: ProjectModel): 'supervisord' | 'container' | null {
  if (w.source === 'other' && w.processName && /^\s*\[(?:fcgi-)?program:/m.test(model.files.find((f) => f.file === w.file)?.text ?? '')) return 'supervisord';
  if (CONTAINER_SOURCES.has(w.source)) return 'container';
  // a start script that is the container's main process (a script under supervisord/systemd is theirs to judge)
  const launchers = w.launchedBy ?? [];
  if (w.source === 'shell' && launchers.length > 0 && launchers.every((l) => CONTAINER_SOURCES.has(l.source))) {
    // `trap 'celery multi stopwait …' TERM` hands the signal on
    return trapsTerm(model, w.file) ? null : 'container';
  }
  return null;
}
