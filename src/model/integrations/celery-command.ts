// One reader for every place a Celery command line is written (compose, Procfile, Dockerfile,
// systemd, supervisord, shell scripts): shell-split the text, find each `celery …` or
// `python -m celery …` invocation, and describe it as a WorkerCommand. Rules (JC401–JC403, JC205)
// and the runtime read these instead of re-parsing command strings.
import path from 'node:path';
import { parse as shellParse } from 'shell-quote';
import type { Location, ProjectModel, WorkerCommand } from '../types.js';
import { TEMPLATE_VALUE } from './template.js';
import { expandMulti } from './celery-multi.js';

type Token = string | { op: string } | { comment: string } | { op: 'glob'; pattern: string };

/** Words that run the next word as a program (wrappers seen in real deploy files). */
const WRAPPERS = new Set(['s6-setuidgid', 'with-contenv', 'exec', 'nohup', 'env', 'time', 'nice', 'ionice', 'chpst', 'su-exec', 'gosu', 'tini', 'dumb-init', 'ddtrace-run', 'newrelic-admin', 'run-program', 'opentelemetry-instrument', 'poetry', 'run', 'uv', 'pipenv', 'sudo', 'catchsegv', '--']);

function word(t: Token): string | null {
  if (typeof t === 'string') return t;
  if ('op' in t && t.op === 'glob' && 'pattern' in t) return t.pattern;
  return null;
}

function isCeleryProgram(w: string): boolean {
  const base = w.split('/').pop() ?? w;
  return base === 'celery' || base === 'celery.exe';
}

function isPython(w: string): boolean {
  const base = w.split('/').pop() ?? w;
  return /^python(\d+(\.\d+)?)?$/.test(base);
}

export interface CommandContext {
  source: WorkerCommand['source'];
  file: string;
  loc: Location;
  processName?: string;
}

/**
 * Every Celery invocation in a command line. `argv` starts at 'celery' (a `python -m celery`
 * prefix is folded into it) and ends at the next shell operator.
 */
export function parseCeleryInvocations(raw: string, ctx: CommandContext): WorkerCommand[] {
  const segments = shellSegments(raw);
  const out: WorkerCommand[] = [];
  for (const seg of segments) {
    const script = shellScript(seg.words);
    if (script !== null) {
      out.push(...parseCeleryInvocations(script, ctx).map((w) => ({ ...w, raw: raw.trim(), inShellString: true })));
      continue;
    }
    const argv = celeryArgv(seg.words);
    if (!argv) continue;
    const backgrounded = seg.after === '&' || seg.before === '&';
    // `exec celery …`: the shell replaces itself with Celery (the worker gets the signals the shell would)
    const execd = seg.words.slice(0, Math.max(0, programIndex(seg.words))).includes('exec');
    const sub = subcommandOf(argv);
    const nodes = sub?.name === 'multi' ? expandMulti(argv, sub.index) : null;
    const extra = { ...(execd ? { exec: true } : {}), ...(sub?.name === 'multi' ? { multi: true } : {}) };
    if (nodes) out.push(...nodes.map((n) => ({ ...describe(n.argv, raw, ctx, backgrounded), node: n.name, ...extra })));
    else out.push({ ...describe(argv, raw, ctx, backgrounded), ...extra });
  }
  return out;
}

/**
 * The scripts a command line runs (`/start-celeryworker`, `./run.sh`, `bash scripts/worker.sh`,
 * `/wait-for-it.sh db:5432 -- /entrypoint-celery-worker.sh`), as written: paths a deploy file points to.
 */
export function scriptsRun(raw: string): string[] {
  const out: string[] = [];
  for (const seg of shellSegments(raw)) {
    const script = shellScript(seg.words);
    if (script !== null) {
      out.push(...scriptsRun(script));
      continue;
    }
    let words = seg.words;
    // `supervisord -c conf/supervisord.conf` (also behind a wrapper: `init-env supervisord -c …`): the config it runs
    const sv = words.findIndex((w) => w.split('/').pop() === 'supervisord');
    if (sv >= 0) {
      const conf = optionValue(words, '-c', '--configuration', sv + 1);
      if (conf && !conf.startsWith('$')) out.push(conf);
      // no -c: the config supervisord finds first, and the Debian package's include folder (supervisor/options.py)
      else if (!conf) out.push(...SUPERVISORD_DEFAULTS);
      continue;
    }
    for (;;) {
      const i = programIndex(words);
      if (i < 0) break;
      const prog = words[i]!;
      const base = prog.split('/').pop()!;
      if (isCeleryProgram(prog)) break;
      if (isPython(prog)) {
        // `python main.py`: a module that may start the worker itself (./python-launcher.ts); not manage.py
        const file = pythonScript(words.slice(i + 1));
        if (file && !/(^|\/)manage\.py$/.test(file)) out.push(file);
        // `python manage.py run_worker`: the project's management command (<app>/management/commands/run_worker.py)
        const cmd = file ? words[words.indexOf(file, i + 1) + 1] : undefined;
        if (file && /(^|\/)manage\.py$/.test(file) && cmd && /^\w+$/.test(cmd) && cmd !== 'celery') out.push(`${path.posix.dirname(file)}/${MANAGEMENT_COMMAND}${cmd}.py`);
        break;
      }
      if (SHELLS.has(base)) {
        // `bash scripts/worker.sh`: the first non-option word is the script
        const file = words.slice(i + 1).find((w) => !w.startsWith('-'));
        if (file && !file.startsWith('$')) out.push(file);
        break;
      }
      if (/^[$`]/.test(prog) || !(prog.includes('/') || /\.(sh|bash)$/.test(prog))) break;
      out.push(prog);
      // `/wait-for-it.sh host:port -- /entrypoint.sh`: the command after `--` runs too
      const dd = words.indexOf('--', i + 1);
      if (dd < 0 || !/wait|dockerize/.test(base)) break;
      words = words.slice(dd + 1);
    }
  }
  return out;
}

/** the script `python [options] script.py …` runs; null for `-m`, `-c` or no .py file */
function pythonScript(args: string[]): string | null {
  for (let j = 0; j < args.length; j++) {
    const a = args[j]!;
    if (a === '-m' || a === '-c') return null;
    if (a === '-W' || a === '-X') j++;
    else if (!a.startsWith('-')) return /\.py$/.test(a) && !a.startsWith('$') ? a : null;
  }
  return null;
}

/** where supervisord looks without -c (/etc/supervisord.conf, /etc/supervisor/supervisord.conf) and what Debian's includes (conf.d/*.conf) */
export const SUPERVISORD_DEFAULTS = ['/etc/supervisord.conf', '/etc/supervisor/supervisord.conf', '/etc/supervisor/conf.d/*'];

/** the folder part of a management command's path in a `run` reference: any Django app under manage.py's folder */
export const MANAGEMENT_COMMAND = '**/management/commands/';

interface Segment {
  words: string[];
  before: string | null;
  after: string | null;
}

/** shell words split into segments at shell operators, remembering the operator on each side */
function shellSegments(raw: string): Segment[] {
  let tokens: Token[];
  try {
    // keep $VAR / ${VAR} as written rather than expanding them from our own environment
    tokens = shellParse(raw, (key: string) => `\${${key}}`) as Token[];
  } catch {
    return [];
  }
  const segments: Segment[] = [];
  let cur: string[] = [];
  let before: string | null = null;
  for (const t of tokens) {
    const w = word(t);
    if (w !== null) {
      cur.push(w);
      continue;
    }
    if (typeof t === 'string') continue;
    if ('comment' in t) break;
    if ('op' in t) {
      if (t.op === '(' || t.op === ')') continue;
      segments.push({ words: cur, before, after: t.op });
      before = t.op;
      cur = [];
    }
  }
  segments.push({ words: cur, before, after: null });
  return segments;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);
/** programs that run the command after `--` once they are done (reloaders, wait-for-port helpers) */
const PASS_THROUGH = /^(watchmedo|wait-for-it(\.sh)?|wait-for(\.sh)?|dockerize)$/;
/** wrappers whose first argument is not the program (a user name) */
const WRAPPERS_WITH_ARG = new Set(['gosu', 'su-exec', 'chpst', 's6-setuidgid']);

/** index of the program word of a segment after VAR=value assignments and wrappers, or -1 */
function programIndex(words: string[]): number {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  while (i < words.length) {
    const base = words[i]!.split('/').pop()!;
    if (PASS_THROUGH.test(base)) {
      const dd = words.indexOf('--', i);
      if (dd < 0) return -1;
      i = dd + 1;
      continue;
    }
    if (!WRAPPERS.has(base)) return i;
    i++;
    if (WRAPPERS_WITH_ARG.has(base) && i < words.length && !words[i]!.startsWith('-')) i++;
    while (i < words.length && (words[i]!.startsWith('-') || (base === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)))) i++;
  }
  return -1;
}

/** `sh -c "…"`: the script text, when this segment runs a shell on one */
function shellScript(words: string[]): string | null {
  const i = programIndex(words);
  if (i < 0 || !SHELLS.has(words[i]!.split('/').pop()!)) return null;
  for (let j = i + 1; j < words.length; j++) {
    const w = words[j]!;
    if (/^-[a-z]*c[a-z]*$/.test(w)) return words[j + 1] ?? null;
    if (!w.startsWith('-')) return null;
  }
  return null;
}

/** The words from the celery program on, or null when this segment does not run Celery. */
function celeryArgv(words: string[]): string[] | null {
  const i = programIndex(words);
  if (i < 0) return null;
  const w = words[i]!;
  if (isCeleryProgram(w)) return ['celery', ...words.slice(i + 1)];
  if (w.split('/').pop() === 'watchfiles') return watchfilesArgv(words.slice(i + 1));
  if (isPython(w)) {
    // python [-u -X opt …] -m celery …
    for (let j = i + 1; j < words.length; j++) {
      if (words[j] === '-m') return words[j + 1] === 'celery' ? ['celery', ...words.slice(j + 2)] : null;
      // `python manage.py celery worker …` (django-celery's command hands its arguments to Celery)
      if (/(^|\/)manage\.py$/.test(words[j]!)) return passThrough(words.slice(j + 1));
      if (!words[j]!.startsWith('-')) return null;
    }
  }
  if (SHELLS.has(w.split('/').pop()!) || NOT_A_WRAPPER.has(w.split('/').pop()!) || /^[$`]/.test(w)) return null;
  // a project's own CLI with a `celery` sub-command that hands the rest to Celery (`hypothesis celery worker …`,
  // `flask celery worker`): only when a Celery sub-command follows, so `pkill celery` or `pip install celery` are not
  return passThrough(words.slice(i + 1));
}

/** programs that take `celery worker` as words, not as a command to run (`echo celery worker`, `pkill celery`) */
const NOT_A_WRAPPER = new Set(['echo', 'printf', 'logger', 'pkill', 'pgrep', 'killall', 'kill', 'grep', 'egrep', 'ps', 'which', 'command', 'type', 'test', '[',
  'supervisorctl', 'systemctl', 'service', 'sv', 'pip', 'pip3', 'apt-get', 'apt', 'apk', 'yum', 'dnf', 'brew', 'cat', 'tail', 'man', 'git', 'heroku', 'cf',
  'docker', 'docker-compose', 'kubectl', 'export', 'set', 'read', 'touch', 'mkdir', 'rm', 'chown', 'chmod']);

/** Celery's own sub-commands that start a long-running process */
const PROCESS_SUBCOMMANDS = new Set(['worker', 'beat', 'multi', 'flower', 'events']);

/** `celery <global options> <sub-command> …` handed on by a wrapper CLI, when the word after `celery` is such a sub-command */
function passThrough(args: string[]): string[] | null {
  if (args[0] !== 'celery') return null;
  const argv = ['celery', ...args.slice(1)];
  const sub = subcommandOf(argv);
  return sub && PROCESS_SUBCOMMANDS.has(sub.name) ? argv : null;
}

/** watchfiles options that take a value (watchfiles/cli.py); the first other word is the target */
const WATCHFILES_VALUE_OPTIONS = new Set(['--ignore-paths', '--target-type', '--filter', '--args', '--verbosity', '--sigint-timeout', '--sigkill-timeout', '--grace-period']);

/**
 * The Celery argv a `watchfiles` reloader runs: a dotted function target with `--args`
 * (`watchfiles --filter python celery.__main__.main --args '-A proj worker'`, cookiecutter-django's local
 * worker) or a command target (`watchfiles --filter python 'celery -A proj worker'`, which watchfiles
 * shell-splits and runs).
 */
function watchfilesArgv(args: string[]): string[] | null {
  let target: string | undefined;
  for (let j = 0; j < args.length; j++) {
    const a = args[j]!;
    if (WATCHFILES_VALUE_OPTIONS.has(a)) j++;
    else if (!a.startsWith('-')) {
      target = a;
      break;
    }
  }
  if (target === undefined) return null;
  if (/^celery(\.__main__)?([.:]main)?$/.test(target)) {
    const value = optionValue(args, null, '--args', 0);
    const inner = value === null ? [] : shellSegments(value)[0]?.words ?? [];
    return ['celery', ...inner];
  }
  if (!/\s/.test(target)) return null;
  const seg = shellSegments(target)[0];
  return seg ? celeryArgv(seg.words) : null;
}

/** Value of an option in argv (`-c 4`, `-c4`, `--concurrency 4`, `--concurrency=4`), searching from `from`. */
export function optionValue(argv: string[], short: string | null, long: string, from = 1): string | null {
  for (let i = from; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') break;
    if (w === long || (short && w === short)) return argv[i + 1] ?? null;
    if (w.startsWith(`${long}=`)) return w.slice(long.length + 1);
    if (short && w.startsWith(short) && w.length > short.length && !w.startsWith('--')) return w.slice(short.length).replace(/^=/, '');
  }
  return null;
}

export function hasOption(argv: string[], names: string[]): boolean {
  return argv.some((w) => names.some((n) => w === n || w.startsWith(`${n}=`) || (n.length === 2 && !n.startsWith('--') && w.startsWith(n) && w.length > 2 && !w.startsWith('--'))));
}

function subcommandOf(argv: string[]): { index: number; name: string } | null {
  const withValue = new Set(['-A', '--app', '-b', '--broker', '--result-backend', '--loader', '--config', '--workdir']);
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (w.startsWith('-')) {
      if (withValue.has(w)) i++;
      continue;
    }
    return { index: i, name: w };
  }
  return null;
}

function describe(argv: string[], raw: string, ctx: CommandContext, backgrounded: boolean): WorkerCommand {
  const sub = subcommandOf(argv);
  const after = sub ? sub.index + 1 : 1;
  const conc = optionValue(argv, '-c', '--concurrency', after);
  const concurrency = conc !== null && /^\d+$/.test(conc) ? Number(conc) : null;
  const queues = optionValue(argv, '-Q', '--queues', after);
  return {
    source: ctx.source,
    file: ctx.file,
    loc: ctx.loc,
    raw: raw.trim(),
    argv,
    subcommand: sub?.name ?? null,
    app: optionValue(argv, '-A', '--app', 1),
    pool: optionValue(argv, '-P', '--pool', after),
    concurrency,
    queues: queues ? queues.split(',').map((q) => q.trim()).filter(Boolean) : [],
    ...(ctx.processName ? { processName: ctx.processName } : {}),
    ...(backgrounded ? { backgrounded: true } : {}),
  };
}

/**
 * A service or container named like a worker whose command starts Celery from Python code
 * (`python manage.py run_celery_prod`): the worker exists, its options are not on a command line.
 */
export function noteIndirectWorker(model: ProjectModel, raw: string, name: string, loc: Location): void {
  if (!/celery|worker|beat/i.test(name)) return;
  for (const seg of shellSegments(raw)) {
    const i = programIndex(seg.words);
    if (i < 0 || !isPython(seg.words[i]!)) continue;
    const j = seg.words.findIndex((w, k) => k > i && /(^|\/)manage\.py$/.test(w));
    const cmd = j > 0 ? seg.words[j + 1] : undefined;
    if (!cmd || !/celery|worker|beat/i.test(cmd)) continue;
    model.unread.push({ file: loc.file, loc, what: `the worker of ${name.replace(new RegExp(TEMPLATE_VALUE, 'g'), '…')} (\`manage.py ${cmd}\`)`, reason: 'a Django management command starts Celery from Python code: its worker options were not read' });
  }
}
