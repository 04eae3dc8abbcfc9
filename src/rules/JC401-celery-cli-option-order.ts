import type { Rule } from './types.js';
import { globalOptionsAfterSubcommand, reorderCeleryArgv } from './lib/cli.js';

export const rule: Rule = {
  meta: {
    id: 'JC401',
    name: 'celery-cli-option-order',
    band: 'deploy',
    severity: 'error',
    confidence: 'high',
    title: 'Celery 5 CLI: global option after the sub-command — the worker does not start',
    description: `Celery 5.0 moved to a Click-based CLI in which global options (\`-A/--app\`, \`-b/--broker\`, \`--result-backend\`, \`--loader\`, \`--config\`, \`--workdir\`, \`-C/--no-color\`, \`-q/--quiet\`) must come before the sub-command. \`celery worker -A proj\` prints "You are using \`-A\` as an option of the worker sub-command … The support for this usage was removed in Celery 5.0" and "Error: No such option '-A'", and the process exits without starting a worker (reproduced on 5.6.3: docs/evidence/cli-order.celery-5.6.3.txt). \`celery flower --app=… --broker=…\` is different: flower's command accepts unknown options, warns, drops them and starts with the default app and broker (\`amqp://guest@localhost//\`), monitoring nothing (flower 1.0.0 and 2.0.1: docs/evidence/flower-option-order.txt). jobctl reads docker-compose, Procfile, Dockerfile, systemd units, supervisord and shell scripts.`,
    fix: 'Move the global options before the sub-command: `celery -A proj worker …` (`jobctl upgrade-plan --apply` rewrites it).',
    examples: { bad: 'celery worker -A proj --loglevel=info', good: 'celery -A proj worker --loglevel=info' },
    sources: [
      { title: 'What\'s new in Celery 5.0: new command line interface', ref: 'celery@v5.6.3:docs/history/whatsnew-5.0.rst' },
      { title: 'Changelog 5.0.0: Breaking Change — Brand new CLI based on Click (#5718)', ref: 'celery@v5.6.3:docs/history/changelog-5.0.rst' },
      { title: 'flower: ignore_unknown_options, warn_about_celery_args_used_in_flower_command, is_flower_option (run with flower 1.0.0 and 2.0.1)', ref: 'docs/evidence/flower-option-order.txt' },
    ],
  },
  check(ctx) {
    for (const w of ctx.model.workerCommands) {
      const misplaced = globalOptionsAfterSubcommand(w.argv);
      if (misplaced.length === 0) continue;
      const fixed = reorderCeleryArgv(w.argv);
      ctx.report({
        loc: w.loc,
        key: w.raw,
        // flower's own command accepts unknown options: it warns, drops them and starts on the default app and broker
        message: w.subcommand === 'flower'
          ? `\`${misplaced.join(' ')}\` comes after \`celery flower\`: flower only warns ("You have incorrectly specified the following celery arguments after flower command"), drops them and starts with the default app and broker (amqp://guest@localhost//), so it monitors nothing of this project`
          : `\`${misplaced.join(' ')}\` comes after \`celery ${w.subcommand ?? ''}\`: Celery 5 exits with "No such option" and the ${w.subcommand ?? 'process'} never starts`,
        hint: fixed ? `write \`${fixed.join(' ')}\`` : 'put the global options before the sub-command',
      });
    }
  },
};
