// Which Python files are read in full up front. On a big project most files have nothing to do with
// Celery (saleor: ~9% of 4,338 files match), and parsing every file with tree-sitter costs seconds and
// hundreds of MiB. So a file is parsed eagerly only when its text can contribute a fact on its own;
// every other file is parsed lazily, when the linker follows an import, call or base class into it
// (see FileLoader in index.ts). Files that nothing reaches are never parsed.
//
// The patterns are deliberately loose: a false match only costs a parse, a missed one loses a fact.
// Each group names the facts (and rules) it keeps complete. Facts that only matter inside task code
// (helpers, their calls and globals) need no trigger: the linker parses what task code reaches. When a
// rule starts reading a new kind of fact from *every* module, add its trigger here. test/model/prefilter.test.ts checks on every fixture
// that the model with the filter equals the model of a full read.
import { TEST_CODE_PATH } from './modules.js';

// One pass of a plain alternation is much cheaper than several case-insensitive scans (this runs
// over every .py file of the project: ~100 ms for saleor's 4,338 files).
const WORDS = new RegExp([
  // apps, config sources (ctor, conf.update, conf attrs, config_from_object), settings discovery
  '[Cc]elery|CELERY|config_from_object|DJANGO_SETTINGS_MODULE',
  // tasks: @shared_task, @app.task, class-based tasks (celery.Task, app.Task, a project BaseTask)
  'shared_task|\\.task\\b|Task\\b',
  // asyncio facts: loop-bound globals, get_event_loop, nest_asyncio at import time (JC2xx)
  'asyncio|event_loop|run_until_complete',
  // countdown at any call site (JC603 reads every function's calls)
  'countdown',
  // custom serializers registered with kombu (JC501), per-process loops made in worker_process_init (JC204)
  'kombu|worker_process_init',
].join('|'));

// module-level / class-level `SECRET_NAME = 'literal'` (JC502 reads every module's globals); the name
// part mirrors src/rules/lib/secrets.ts SECRET_NAME, without its negative look-ahead
const SECRET_WORD = /PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY|DSN/gi;
const SECRET_LINE = /^[ \t]*[A-Za-z_]\w*[ \t]*(:[^=\n]*)?=[ \t]*[rRbBuU]?['"]/;
// a URL with a literal password (JC502): checked only around each '://'
const URL_AFTER_SCHEME = /^:\/\/[^\s:@/'"]*:[^\s@/'"]+@/;
// alert recipient lists in module globals and class attributes: mirrors JC607's NAME
const RECIPIENT_WORD = /[Rr]ecipient|RECIPIENT/;
const ALERT_RECIPIENTS = /(ALERT|NOTIF|ONCALL|ON_CALL|ESCALATION|INCIDENT)[A-Z_]*RECIPIENTS?|RECIPIENTS?[A-Z_]*(ALERT|NOTIF)/i;

// In test files only what defines facts counts: an app, a task, app config, asyncio use. Test suites
// mention CELERY_* settings (override_settings(CELERY_TASK_ALWAYS_EAGER=True), CELERY_QUEUE_NAME) all
// over; those are no config source of the model and rules skip test config (isTestFile).
const TEST_WORDS = /Celery\(|shared_task|\.task\b|Task\b|config_from_object|\.conf\.|asyncio|event_loop|run_until_complete|countdown/;

// JC502 and JC607 skip test files (src/rules/lib/settings.ts isTestFile, mirrored here), so their
// triggers do not make a test file eager; the WORDS triggers still do (tasks or apps defined in tests).
const TEST_FILE = new RegExp(`${TEST_CODE_PATH.source}|test[^/]*settings|settings[^/]*test`, 'i');

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? text.length : end);
}

function hasSecretAssignment(text: string): boolean {
  SECRET_WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  let lastLineStart = -1;
  while ((m = SECRET_WORD.exec(text)) !== null) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (lineStart === lastLineStart) continue;
    lastLineStart = lineStart;
    const line = lineAround(text, m.index);
    // the secret word must be in the assigned name, before the '='
    const eq = line.indexOf('=');
    if (eq > m.index - lineStart && SECRET_LINE.test(line)) return true;
  }
  return false;
}

function hasUrlWithPassword(text: string): boolean {
  for (let i = text.indexOf('://'); i !== -1; i = text.indexOf('://', i + 3)) {
    if (i > 0 && /[A-Za-z0-9+.-]/.test(text[i - 1]!) && URL_AFTER_SCHEME.test(text.slice(i, i + 512))) return true;
  }
  return false;
}

function hasAlertRecipients(text: string): boolean {
  const m = RECIPIENT_WORD.exec(text);
  if (!m) return false;
  for (const line of text.split('\n')) if (ALERT_RECIPIENTS.test(line)) return true;
  return false;
}

/** Basenames that are config by convention and read even when nothing imports them. */
const BY_NAME = /(^|\/)(celeryconfig|celery|settings|manage|wsgi|asgi)\.py$|(^|\/)settings\/[^/]+\.py$/;

/** True when the file must be parsed even if no other file leads to it. */
export function needsEagerRead(file: string, text: string): boolean {
  if (BY_NAME.test(file)) return true;
  if (TEST_FILE.test(file)) return TEST_WORDS.test(text);
  return WORDS.test(text) || hasSecretAssignment(text) || hasUrlWithPassword(text) || hasAlertRecipients(text);
}
