// Worker options on a command line, by the Celery setting each overrides (the CLI beats the app's
// config, as in Celery: `-c 4` wins over worker_concurrency). A value written as a variable
// (`-c $WORKERS`, `--queues="${CELERY_QUEUES:-default}"`) is resolved from what the deploy sets —
// the script's own assignments, then the env of whatever launches it — and stays *unknown* (with the
// reason) when it is set at deploy time, or differs between the services that run the script.
import type { CommandOption, WorkerCommand } from '../types.js';
import { optionValue, hasOption } from './celery-command.js';

/** CLI option → the setting it overrides (celery/bin/worker.py, celery/bin/beat.py). */
const VALUE_OPTIONS: { short: string | null; long: string; key: string }[] = [
  { short: '-c', long: '--concurrency', key: 'worker_concurrency' },
  { short: '-P', long: '--pool', key: 'worker_pool' },
  { short: '-Q', long: '--queues', key: 'queues' },
  { short: null, long: '--prefetch-multiplier', key: 'worker_prefetch_multiplier' },
  { short: null, long: '--time-limit', key: 'task_time_limit' },
  { short: null, long: '--soft-time-limit', key: 'task_soft_time_limit' },
  { short: null, long: '--max-tasks-per-child', key: 'worker_max_tasks_per_child' },
  { short: null, long: '--max-memory-per-child', key: 'worker_max_memory_per_child' },
  { short: null, long: '--autoscale', key: 'autoscale' },
  { short: '-S', long: '--scheduler', key: 'beat_scheduler' },
];

/**
 * Every value a variable may have where the command runs; null when it is not set by anything read.
 * `outer`: skip the script's own assignments (expanding `X=${X:-4}` looks X up in the environment).
 */
export type VarLookup = (name: string, outer?: boolean) => string[] | null;

const VAR = /\$\{(\w+)(?:(:?[-=])([^}]*))?\}|\$(\w+)/g;

/** A word with its variables substituted, or unknown with the reason. */
export function expandWord(word: string, lookup: VarLookup, seen: ReadonlySet<string> = new Set()): { state: 'known'; value: string } | { state: 'unknown'; reason: string } {
  let reason: string | null = null;
  const value = word.replace(VAR, (whole, braced?: string, op?: string, def?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    const candidates = seen.size < 4 ? lookup(name, seen.has(name)) : null;
    if (candidates === null || candidates.length === 0) {
      reason ??= def !== undefined && op?.includes('-') ? `\`$${name}\` (default ${def}) is set at deploy time` : `\`$${name}\` is set at deploy time`;
      return whole;
    }
    const inner = new Set([...seen, name]);
    const expanded = candidates.map((c) => expandWord(c, lookup, inner));
    const known = [...new Set(expanded.flatMap((e) => (e.state === 'known' ? [e.value] : [])))];
    if (expanded.some((e) => e.state === 'unknown')) {
      reason ??= (expanded.find((e) => e.state === 'unknown') as { reason: string }).reason;
      return whole;
    }
    if (known.length !== 1) {
      reason ??= `\`$${name}\` differs where the command runs (${known.join(', ')})`;
      return whole;
    }
    return known[0]!;
  });
  return reason === null ? { state: 'known', value } : { state: 'unknown', reason };
}

/** The worker's CLI options (resolved through `lookup`); pool/concurrency/queues follow a resolved value. */
export function applyCommandOptions(w: WorkerCommand, lookup: VarLookup): void {
  const options: Record<string, CommandOption> = {};
  for (const o of VALUE_OPTIONS) {
    const text = optionValue(w.argv, o.short, o.long);
    if (text === null) continue;
    const e = expandWord(text, lookup);
    options[o.key] = e.state === 'known' ? { state: 'known', value: e.value, text } : { state: 'unknown', text, reason: e.reason };
  }
  if (hasOption(w.argv, ['-E', '--task-events'])) options.worker_send_task_events = { state: 'known', value: 'true', text: '-E' };
  // `celery -A proj worker $CELERYD_OPTS`: a variable standing for whole words may hold any option; what it
  // holds is read when the deploy sets it, else every option not written here is unknown, never absent
  for (const splat of splatWords(w.argv)) {
    const e = expandWord(splat, lookup);
    const words = e.state === 'known' ? e.value.split(/\s+/).filter(Boolean) : null;
    for (const o of VALUE_OPTIONS) {
      if (options[o.key]) continue;
      if (words === null) {
        options[o.key] = { state: 'unknown', text: splat, reason: `${(e as { reason: string }).reason} and may hold worker options` };
        continue;
      }
      const text = optionValue(['', ...words], o.short, o.long);
      if (text !== null) options[o.key] = { state: 'known', value: text, text: `${splat} (${words.join(' ')})` };
    }
  }
  w.options = options;
  const conc = options.worker_concurrency;
  if (conc?.state === 'known' && /^\d+$/.test(conc.value)) w.concurrency = Number(conc.value);
  const pool = options.worker_pool;
  if (pool?.state === 'known') w.pool = pool.value;
  const queues = options.queues;
  if (queues?.state === 'known') w.queues = queues.value.split(',').map((q) => q.trim()).filter(Boolean);
}

/** options whose value is the next word (`-l INFO`), besides those the settings map */
const OTHER_VALUE_OPTIONS = new Set(['-A', '--app', '-b', '--broker', '-l', '--loglevel', '-n', '--hostname', '-f', '--logfile', '--pidfile', '-s', '--schedule', '-O', '--statedb', '--max-interval', '--uid', '--gid', '--workdir', '--result-backend', '--config', '--loader', '-X', '--exclude-queues', '-I', '--include', '--executable']);

/** words that are a lone variable (`$CELERYD_OPTS`, `${OPTS}`) and not the value of the option before them */
function splatWords(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (!/^\$(\{\w+\}|\w+)$/.test(w)) continue;
    const prev = argv[i - 1]!;
    const takesValue = VALUE_OPTIONS.some((o) => prev === o.short || prev === o.long) || (OTHER_VALUE_OPTIONS.has(prev));
    if (!takesValue) out.push(w);
  }
  return out;
}
