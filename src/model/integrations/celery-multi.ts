// `celery multi start w1 w2 -A proj -c 4 -c:w2 8 -Q:w1 default` — the documented 5.x form (the systemd
// unit in Celery's daemonizing docs runs `celery multi start $CELERYD_NODES -A $CELERY_APP … $CELERYD_OPTS`).
// Each node is a worker of its own: this expands the line into the `celery -A proj worker -n … -c …` argv
// multi builds for each node, as celery/apps/multi.py does it (celery@v5.6.2: NamespacedOptionParser,
// MultiParser, Node._prepare_argv). Options after the node names apply to every node; `-opt:ns` only to
// the nodes ns names (a node name, its 1-based index, `a,b`, or `1-3` when the nodes are a count).

/** celery's global options: multi moves them before `worker` (Node._prepare_argv) */
const GLOBAL = new Set(['-A', '--app', '-b', '--broker', '--result-backend', '--loader', '--config', '--workdir', '-C', '--no-color', '-q', '--quiet']);
/** multi's own options (MultiParser.parse pops them), not passed to the worker */
const MULTI_OWN = new Set(['--cmd', '--append', '--hostname', '-n', '--prefix', '--suffix', '--range-prefix']);

export interface MultiNode {
  /** the node's short name as multi names it (`w1`, `celery1` for a count) */
  name: string;
  /** `celery <global options> worker <options>` for this node */
  argv: string[];
}

/** The workers a `celery multi start|restart …` line starts (argv[0] = 'celery'); null for other multi actions. */
export function expandMulti(argv: string[], multiIndex: number): MultiNode[] | null {
  const action = argv[multiIndex + 1];
  if (action !== 'start' && action !== 'restart') return null;
  const before = argv.slice(1, multiIndex);
  const { values, options, namespaces, passthrough, splats } = parseNamespaced(argv.slice(multiIndex + 2));
  let names = values;
  let prefix = '';
  const rangePrefix = options.get('--range-prefix') || 'celery';
  const prefixOpt = options.get('--prefix');
  if (prefixOpt) prefix = prefixOpt;
  const ranges = names.length === 1;
  if (ranges && /^\d+$/.test(names[0]!)) {
    if (Number(names[0]) > 64) return null;
    names = Array.from({ length: Number(names[0]) }, (_, i) => String(i + 1));
    prefix = rangePrefix;
  }
  if (names.length === 0 || names.length > 64) return null;
  // index namespaces (`-c:2 8`) name the n-th node; lists and ranges (`-c:1-3`, `-c:w1,w2`) each node in them
  for (const [ns, opts] of [...namespaces]) {
    const targets: string[] = [];
    if (/^\d+$/.test(ns) && names[Number(ns) - 1] !== undefined) targets.push(names[Number(ns) - 1]!);
    if (ns.includes(',') || (ranges && ns.includes('-'))) {
      for (const space of ns.split(',')) {
        const r = ranges ? /^(\d+)-(\d+)$/.exec(space) : null;
        if (r) for (let n = Number(r[1]); n <= Number(r[2]); n++) targets.push(String(n));
        else targets.push(space);
      }
      namespaces.delete(ns);
    }
    for (const t of targets) namespaces.set(t, new Map([...(namespaces.get(t) ?? []), ...opts]));
  }
  return names.map((name) => {
    const merged = new Map([...options, ...(namespaces.get(name) ?? namespaces.get(`${prefix}${name}`) ?? [])]);
    const globals: string[] = [];
    const rest: string[] = ['-n', `${prefix}${name}`];
    for (const [opt, value] of merged) {
      if (MULTI_OWN.has(opt)) continue;
      const words = value === null ? [opt] : opt.startsWith('--') ? [`${opt}=${value}`] : [opt, value];
      (GLOBAL.has(opt) ? globals : rest).push(...words);
    }
    return { name: `${prefix}${name}`, argv: ['celery', ...before, ...globals, 'worker', ...rest, ...splats, ...passthrough] };
  });
}

/**
 * NamespacedOptionParser.parse: a short option takes the next word unless it starts with '-'; a long one only
 * `=value`. A lone variable after the options (`$CELERYD_OPTS`, as in the daemonizing docs' unit) is the shell's
 * to split into options: kept as written for every node (`splats`), not taken for a node name.
 */
function parseNamespaced(args: string[]): { values: string[]; options: Map<string, string | null>; namespaces: Map<string, Map<string, string | null>>; passthrough: string[]; splats: string[] } {
  const values: string[] = [];
  const splats: string[] = [];
  const options = new Map<string, string | null>();
  const namespaces = new Map<string, Map<string, string | null>>();
  const add = (name: string, value: string | null): void => {
    const colon = name.indexOf(':');
    if (colon < 0) {
      options.set(name, value);
      return;
    }
    const ns = name.slice(colon + 1);
    if (!namespaces.has(ns)) namespaces.set(ns, new Map());
    namespaces.get(ns)!.set(name.slice(0, colon), value);
  };
  const words = args.filter(Boolean);
  for (let pos = 0; pos < words.length; pos++) {
    const a = words[pos]!;
    if (a === '--') return { values, options, namespaces, passthrough: words.slice(pos), splats };
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      add(eq < 0 ? a : a.slice(0, eq), eq < 0 ? null : a.slice(eq + 1));
    } else if (a.startsWith('-') && a.length > 1) {
      const next = words[pos + 1];
      const value = next !== undefined && !next.startsWith('-') ? next : null;
      if (value !== null) pos++;
      add(a, value);
    } else if (/^\$(\{\w+\}|\w+)$/.test(a) && (options.size > 0 || namespaces.size > 0)) splats.push(a);
    else values.push(a);
  }
  return { values, options, namespaces, passthrough: [], splats };
}
