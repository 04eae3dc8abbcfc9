import type { Rule } from './types.js';
import { globalOptionsAfterSubcommand, reorderCeleryArgv } from './lib/cli.js';
import { compareVersions, safeSatisfies } from './lib/versions.js';
import type { RuleContext } from './types.js';

export const rule: Rule = {
  meta: {
    id: 'JC401',
    name: 'celery-cli-option-order',
    band: 'deploy',
    severity: 'error',
    confidence: 'high',
    title: 'Celery 5 CLI: global option after the sub-command — the worker does not start',
    description: `Celery 5.0 moved to a Click-based CLI in which global options (\`-A/--app\`, \`-b/--broker\`, \`--result-backend\`, \`--loader\`, \`--config\`, \`--workdir\`, \`-C/--no-color\`, \`-q/--quiet\`) must come before the sub-command. \`celery worker -A proj\` prints "You are using \`-A\` as an option of the worker sub-command … The support for this usage was removed in Celery 5.0" and "Error: No such option '-A'", and the process exits without starting a worker (reproduced on 5.6.3: docs/evidence/cli-order.celery-5.6.3.txt). \`celery flower --app=… --broker=…\` is different: flower's command accepts unknown options, warns, drops them and starts with the default app and broker (\`amqp://guest@localhost//\`), monitoring nothing (flower 1.0.0 and 2.0.1: docs/evidence/flower-option-order.txt). jobctl reads docker-compose, Procfile, Dockerfile, systemd units, supervisord and shell scripts.

Celery 3.x and 4.x accept options after the sub-command, so the rule reports only when the project's Celery is known to be 5.x (a pin or lock on 5.x, a range that allows only 5.x, or no range at all — a fresh install takes the newest release), or, as upgrade advice, when \`--target\` is 5.x or later for a project on an older line. A range such as \`celery>=3.1.0\` that may be satisfied by a 4.x package is left to \`jobctl upgrade-plan\`.`,
    fix: 'Move the global options before the sub-command: `celery -A proj worker …` (`jobctl upgrade-plan --apply` rewrites it).',
    examples: { bad: 'celery worker -A proj --loglevel=info', good: 'celery -A proj worker --loglevel=info' },
    sources: [
      { title: 'What\'s new in Celery 5.0: new command line interface', ref: 'celery@v5.6.3:docs/history/whatsnew-5.0.rst' },
      { title: 'Changelog 5.0.0: Breaking Change — Brand new CLI based on Click (#5718)', ref: 'celery@v5.6.3:docs/history/changelog-5.0.rst' },
      { title: 'flower: ignore_unknown_options, warn_about_celery_args_used_in_flower_command, is_flower_option (run with flower 1.0.0 and 2.0.1)', ref: 'docs/evidence/flower-option-order.txt' },
    ],
  },
  check(ctx) {
    const on = celeryLine(ctx);
    if (on === null) return;
    for (const w of ctx.model.workerCommands) {
      const misplaced = globalOptionsAfterSubcommand(w.argv);
      if (misplaced.length === 0) continue;
      const fixed = reorderCeleryArgv(w.argv);
      const what = `the ${w.subcommand ?? 'process'} never starts`;
      ctx.report({
        loc: w.loc,
        key: w.raw,
        // flower's own command accepts unknown options: it warns, drops them and starts on the default app and broker
        message: w.subcommand === 'flower'
          ? `\`${misplaced.join(' ')}\` comes after \`celery flower\`: ${on.upgrade ? `${on.upgrade} accepts it, but after the upgrade to ${on.to} flower` : 'flower'} only warns ("You have incorrectly specified the following celery arguments after flower command"), drops them and starts with the default app and broker (amqp://guest@localhost//), so it monitors nothing of this project`
          : `\`${misplaced.join(' ')}\` comes after \`celery ${w.subcommand ?? ''}\`: ${on.upgrade ? `${on.upgrade} accepts it, but on the upgrade to ${on.to} Celery exits with "No such option" and ${what}` : `Celery 5 exits with "No such option" and ${what}`}`,
        hint: fixed ? `write \`${fixed.join(' ')}\`` : 'put the global options before the sub-command',
      });
    }
  },
};

/** The last release of each line before 5.0: a declared range that allows one of them may be running the old CLI. */
const BEFORE_5 = ['3.1.26', '4.0.2', '4.1.1', '4.2.2', '4.3.1', '4.4.7'];

/**
 * Whether the Celery the project runs has the Click CLI: null when it is not known to be 5.x (a 3.x/4.x pin, a
 * range such as `celery>=3.1.0` that a packaged install may satisfy with 4.x), `{}` when it is (a 5.x pin or lock,
 * a range that allows only 5.x, or no range at all: a fresh install takes the newest), `{ upgrade, to }` when a
 * `--target` of 5.x or later is given for a project on an older line (the finding is then upgrade advice).
 */
function celeryLine(ctx: RuleContext): { upgrade?: string; to?: string } | null {
  const five = (v: string): boolean => compareVersions(v, '5.0.0a0') >= 0;
  const target = ctx.target && five(ctx.target.version) ? ctx.target.version : null;
  if (ctx.current) {
    if (five(ctx.current.version)) return {};
    return target ? { upgrade: `Celery ${ctx.current.version}`, to: `Celery ${target}` } : null;
  }
  const specs = ctx.model.dependencies.filter((d) => d.name === 'celery').map((d) => d.pep440 ?? d.specifier).filter((s) => s.trim() !== '');
  const older = specs.some((s) => BEFORE_5.some((v) => safeSatisfies(v, s) === true));
  if (!older) return {};
  return target ? { upgrade: 'the Celery 3.x/4.x your requirements allow', to: `Celery ${target}` } : null;
}