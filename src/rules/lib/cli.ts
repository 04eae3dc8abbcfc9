// Celery 5's command line: global options (celery/bin/celery.py) must precede the sub-command.
const GLOBAL_WITH_VALUE = new Set(['-A', '--app', '-b', '--broker', '--result-backend', '--loader', '--config', '--workdir']);
const GLOBAL_FLAGS = new Set(['-C', '--no-color', '-q', '--quiet']);

function optionName(word: string): string {
  return word.startsWith('--') ? word.split('=')[0]! : word.length > 2 && word.startsWith('-') && !word.startsWith('--') ? word.slice(0, 2) : word;
}

function isGlobal(word: string): boolean {
  const n = optionName(word);
  return GLOBAL_WITH_VALUE.has(n) || GLOBAL_FLAGS.has(n);
}

/**
 * Sub-commands that take the global options after themselves: `celery multi start w1 -A proj -l INFO` is
 * the documented 5.x form (multi hands its arguments to `celery -A proj worker ...` it builds;
 * celery@v5.6.2 celery/bin/multi.py, checked with `celery multi show w1 -A proj` on 5.6.2).
 */
const PASS_THROUGH = new Set(['multi']);

/** index of the sub-command in argv (argv[0] is 'celery'), or -1 */
export function subcommandIndex(argv: string[]): number {
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (w.startsWith('-')) {
      const n = optionName(w);
      if (GLOBAL_WITH_VALUE.has(n) && !w.includes('=') && !(n.length === 2 && w.length > 2)) i++;
      continue;
    }
    return i;
  }
  return -1;
}

export function globalOptionsAfterSubcommand(argv: string[]): string[] {
  const sub = subcommandIndex(argv);
  if (sub < 0 || PASS_THROUGH.has(argv[sub]!)) return [];
  const out: string[] = [];
  for (let i = sub + 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') break;
    if (!isGlobal(w)) continue;
    const n = optionName(w);
    const takesValue = GLOBAL_WITH_VALUE.has(n) && !w.includes('=') && !(n.length === 2 && w.length > 2);
    out.push(takesValue && argv[i + 1] !== undefined ? `${w} ${argv[i + 1]}` : w);
    if (takesValue) i++;
  }
  return out;
}

/** argv with every global option moved before the sub-command (null when nothing to move). */
export function reorderCeleryArgv(argv: string[]): string[] | null {
  const sub = subcommandIndex(argv);
  if (sub < 0 || PASS_THROUGH.has(argv[sub]!)) return null;
  const globals: string[] = [];
  const rest: string[] = [];
  let moved = false;
  // sub-command options written before the sub-command (`celery --without-gossip worker`, accepted by
  // Celery 4's parser) belong after it in Celery 5: the `celery` group rejects them ("No such option")
  const before: string[] = [];
  const misplaced: string[] = [];
  for (let i = 1; i < sub; i++) {
    const w = argv[i]!;
    const n = optionName(w);
    if (isGlobal(w)) {
      before.push(w);
      if (GLOBAL_WITH_VALUE.has(n) && !w.includes('=') && !(n.length === 2 && w.length > 2) && i + 1 < sub) before.push(argv[++i]!);
    } else if (w.startsWith('-')) {
      misplaced.push(w);
      moved = true;
    } else before.push(w);
  }
  for (let i = sub + 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (isGlobal(w)) {
      const n = optionName(w);
      const takesValue = GLOBAL_WITH_VALUE.has(n) && !w.includes('=') && !(n.length === 2 && w.length > 2);
      globals.push(w);
      if (takesValue && argv[i + 1] !== undefined) globals.push(argv[++i]!);
      moved = true;
    } else rest.push(w);
  }
  if (!moved) return null;
  return [argv[0]!, ...before, ...globals, argv[sub]!, ...rest, ...misplaced];
}
