import type { Rule } from './types.js';
import { effectiveSettings, isTestFile } from './lib/settings.js';
import { asBool } from './lib/values.js';
import { fileLines } from './lib/source.js';

/** A switch that turns eager mode on for debugging or tests only: `if os.environ.get('SKIP_CELERY')`, `if DEBUG`, `if TESTING`. */
const DEBUG_SWITCH = /environ|getenv|\benv(\.\w+)?\(|DEBUG|TEST|sys\.argv|pytest|SKIP_CELERY/i;

/** Settings modules for a developer's machine or examples: settings/local*.py, dev*.py, *_example.py. */
function isDevSettings(file: string): boolean {
  return /(^|\/)(local|dev|development|localdev)[^/]*\.py$|(^|\/)[^/]*[_.-](local|dev|development|example|sample)\.py$/i.test(file);
}

/** The condition of the `if` block a line sits in (by indentation), or null at module level. */
function enclosingCondition(lines: string[], line: number): string | null {
  const text = lines[line - 1] ?? '';
  const indent = text.length - text.trimStart().length;
  if (indent === 0) return null;
  for (let i = line - 2; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (!l.trim() || l.trim().startsWith('#')) continue;
    const ind = l.length - l.trimStart().length;
    if (ind < indent) {
      const m = /^\s*(?:if|elif)\s+(.+):\s*$/.exec(l);
      return m ? m[1]! : null;
    }
  }
  return null;
}

/**
 * The line sits in the `else:` of an `if` whose own branch configures a broker (`CELERY_BROKER_URL = …`,
 * `broker_url = …`): eager mode is the project's no-broker mode (pretix/pretalx run tasks inline when no broker is
 * configured), not what a deployment with a broker gets.
 */
function inNoBrokerBranch(lines: string[], line: number): boolean {
  const text = lines[line - 1] ?? '';
  const indent = text.length - text.trimStart().length;
  if (indent === 0) return false;
  let elseAt = -1;
  for (let i = line - 2; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (!l.trim() || l.trim().startsWith('#')) continue;
    const ind = l.length - l.trimStart().length;
    if (ind < indent) {
      if (!/^\s*else\s*:\s*(#.*)?$/.test(l)) return false;
      elseAt = i;
      break;
    }
  }
  if (elseAt < 0) return false;
  const elseIndent = lines[elseAt]!.length - lines[elseAt]!.trimStart().length;
  // walk back to the `if`/`elif` of this `else` at the same indentation; its branch is the lines in between
  for (let i = elseAt - 1; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (!l.trim() || l.trim().startsWith('#')) continue;
    const ind = l.length - l.trimStart().length;
    if (ind < elseIndent) return false;
    if (ind === elseIndent) {
      if (!/^\s*(if|elif)\s/.test(l)) return false;
      const branch = lines.slice(i + 1, elseAt).join('\n');
      return /^\s*(CELERY_BROKER_URL|BROKER_URL|broker_url)\s*=/m.test(branch) || /(\.|\b)broker_url\s*=/.test(branch) || (/\bbroker\b/i.test(l) && !/\bnot\b|==\s*(None|""|'')/.test(l));
    }
  }
  return false;
}

export const rule: Rule = {
  meta: {
    id: 'JC602',
    name: 'always-eager-enabled',
    band: 'readiness',
    severity: 'warning',
    confidence: 'high',
    title: '`task_always_eager` enabled outside test settings: tasks run inline in the caller, no worker involved',
    description: 'With `task_always_eager=True`, `.delay()` and `.apply_async()` run the task synchronously in the calling process: no broker, no worker, no retries across processes, no time limits, no serialization. A web request then does the task\'s work itself. Meant for unit tests only; the Celery docs recommend the pytest fixtures instead. Not reported in test code, in settings for a developer\'s machine or examples (`settings/local*.py`, `dev*.py`, `*_example.py`), inside an `if` on an environment variable, `DEBUG` or a test switch, or in the `else` of an `if` that configures a broker (the project\'s no-broker mode: with no broker configured, tasks run inline on purpose).',
    fix: 'Set it only in test settings (or use celery.contrib.pytest / celery_worker fixtures).',
    sources: [{ title: 'Celery docs, Configuration: task_always_eager', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' }],
  },
  check(ctx) {
    for (const s of effectiveSettings(ctx.model, ctx.knowledge)) {
      if (s.newName !== 'task_always_eager' || asBool(s.assignment.value) !== true) continue;
      if (isTestFile(s.assignment.loc.file) || isDevSettings(s.assignment.loc.file)) continue;
      const guard = enclosingCondition(fileLines(ctx.model, s.assignment.loc.file), s.assignment.loc.line);
      if (guard && DEBUG_SWITCH.test(guard)) continue;
      if (inNoBrokerBranch(fileLines(ctx.model, s.assignment.loc.file), s.assignment.loc.line)) continue;
      ctx.report({ loc: s.assignment.keyLoc, key: s.assignment.name, message: `\`${s.assignment.name}\` is True in ${s.assignment.loc.file}: every task runs inline in the caller, without a broker or worker`, hint: 'enable it only in test settings' });
    }
  },
};
