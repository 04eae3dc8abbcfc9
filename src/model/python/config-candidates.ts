// A config object chosen at run time from a finite set the code spells out:
//   def get_settings():
//       config_cls_dict = {"development": DevelopmentConfig, "production": ProductionConfig}
//       return config_cls_dict[os.environ.get("FASTAPI_CONFIG", "development")]()
//   settings = get_settings(); app.config_from_object(settings)
// Which one runs depends on the environment, but every one it can be is here: each candidate is read (and a
// finding says which one it is in). Anything that is not such a finite set (a value from a file, a call into
// another package, a computed class) gives null: the object stays unread.
import type { FileFacts, RawFunction } from './extract.js';
import type { Linker, Sym } from './index.js';
import { child, textOf, type PNode } from './tree.js';
import { dottedName, stringValue } from './values.js';

export interface ObjectCandidate {
  /** how this candidate is chosen, for messages: "get_settings() → DevelopmentConfig ('development')" */
  label: string;
  /** a class or module of the project … */
  sym?: Sym;
  /** … or a string Celery imports ('proj.config.Prod') */
  ref?: string;
}

const MAX_DEPTH = 6;

/** Every object the expression `n` can evaluate to, or null when that set is not finite and known. */
export function objectCandidates(l: Linker, facts: FileFacts, fn: RawFunction | null, n: PNode): ObjectCandidate[] | null {
  const out = candidates(l, facts, fn, n, '', 0);
  if (!out || out.length === 0) return null;
  const seen = new Set<unknown>();
  return out.filter((c) => {
    const k = c.sym ? (c.sym.kind === 'class' ? c.sym.cls : c.sym.kind === 'module' ? c.sym.facts : c.sym) : c.ref;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function candidates(l: Linker, facts: FileFacts, fn: RawFunction | null, n: PNode, via: string, depth: number): ObjectCandidate[] | null {
  if (depth > MAX_DEPTH) return null;
  const at = (label: string): string => (via ? `${via} → ${label}` : label);
  if (n.type === 'parenthesized_expression' && n.children.length === 1) return candidates(l, facts, fn, n.children[0]!, via, depth + 1);
  if (n.type === 'string') {
    const s = stringValue(textOf(facts.pf, n));
    return s === null ? null : [{ label: at(`'${s}'`), ref: s }];
  }
  if (n.type === 'subscript') return dictValues(l, facts, fn, child(n, 'value'), via, depth);
  if (n.type === 'call') {
    const f = child(n, 'function');
    if (!f) return null;
    const w = dottedName(facts.pf, f);
    // d.get(key, default): the dict's values (and the default)
    if (f.type === 'attribute' && w?.endsWith('.get')) {
      const args = child(n, 'arguments')?.children.filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment') ?? [];
      const dict = dictValues(l, facts, fn, child(f, 'object'), via, depth);
      return args[1] ? union([dict, candidates(l, facts, fn, args[1], via, depth + 1)]) : dict;
    }
    if (!w) return candidates(l, facts, fn, f, via, depth + 1); // d[key]() : calling a class gives its instance
    // copy.copy(settings) / copy.deepcopy(conf): the same settings (codabench copies Django's to change one URL)
    if (/^copy\.(deep)?copy$/.test(l.resolveWritten(facts, fn, w))) {
      const args = child(n, 'arguments')?.children.filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment') ?? [];
      return args.length === 1 ? candidates(l, facts, fn, args[0]!, via || `${w}()`, depth + 1) : null;
    }
    const local = fn ? localValues(facts, fn, w) : null;
    if (local) return union(local.map((v) => candidates(l, facts, fn, v, via, depth + 1)));
    const s = l.lookupName(facts, fn, w);
    if (s?.kind === 'class') return [{ label: at(s.cls.name), sym: s }];
    if (s?.kind === 'def') return returns(l, s.facts, s.fn, via || `${s.fn.def.name}()`, depth + 1);
    return null;
  }
  const w = n.type === 'identifier' || n.type === 'attribute' ? dottedName(facts.pf, n) : null;
  if (!w) return null;
  const local = fn ? localValues(facts, fn, w) : null;
  if (local) return union(local.map((v) => candidates(l, facts, fn, v, via, depth + 1)));
  // `from django.conf import settings` reached through a copy or a local name: Django's settings
  if (l.resolveWritten(facts, fn, w) === 'django.conf.settings') return [{ label: at('django.conf.settings'), ref: 'django.conf:settings' }];
  const s = l.lookupName(facts, fn, w);
  if (s?.kind === 'class') return [{ label: at(s.cls.name), sym: s }];
  if (s?.kind === 'module') return [{ label: at(s.facts.info.module), sym: s }];
  if (s?.kind === 'assign') return candidates(l, s.facts, null, s.assign.value, via, depth + 1);
  return null;
}

/** The values of a dict literal named by `d` (local or module-level), each with its key. */
function dictValues(l: Linker, facts: FileFacts, fn: RawFunction | null, d: PNode | undefined, via: string, depth: number): ObjectCandidate[] | null {
  if (!d) return null;
  let lit: { facts: FileFacts; fn: RawFunction | null; node: PNode } | null = d.type === 'dictionary' ? { facts, fn, node: d } : null;
  const w = lit ? null : dottedName(facts.pf, d);
  if (w) {
    const local = fn ? localValues(facts, fn, w) : null;
    if (local?.length === 1 && local[0]!.type === 'dictionary') lit = { facts, fn, node: local[0]! };
    else if (!local) {
      const s = l.lookupName(facts, fn, w);
      if (s?.kind === 'assign' && s.assign.value.type === 'dictionary') lit = { facts: s.facts, fn: null, node: s.assign.value };
    }
  }
  if (!lit) return null;
  const parts: (ObjectCandidate[] | null)[] = [];
  for (const pair of lit.node.children) {
    if (pair.type !== 'pair') return null; // **spread: not a finite, known set
    const k = child(pair, 'key');
    const v = child(pair, 'value');
    if (!k || !v) return null;
    const key = k.type === 'string' ? stringValue(textOf(lit.facts.pf, k)) : null;
    const label = key === null ? textOf(lit.facts.pf, k) : `'${key}'`;
    const got = candidates(l, lit.facts, lit.fn, v, '', depth + 1);
    parts.push(got ? got.map((c) => ({ ...c, label: `${via ? `${via} → ` : ''}${c.label} (${label})` })) : null);
  }
  return union(parts);
}

/** What a function returns, every `return` of its own body. */
function returns(l: Linker, facts: FileFacts, fn: RawFunction, via: string, depth: number): ObjectCandidate[] | null {
  const exprs: PNode[] = [];
  let bare = false;
  walkOwn(fn.body, (n) => {
    if (n.type !== 'return_statement') return;
    if (n.children[0]) exprs.push(n.children[0]);
    else bare = true;
  });
  if (bare || exprs.length === 0) return null;
  return union(exprs.map((e) => candidates(l, facts, fn, e, via, depth)));
}

/** The values assigned to a local name in a function's own body (null when it is not a local). */
function localValues(facts: FileFacts, fn: RawFunction, name: string): PNode[] | null {
  if (name.includes('.') || !fn.locals.has(name)) return null;
  const out: PNode[] = [];
  walkOwn(fn.body, (n) => {
    if (n.type !== 'assignment') return;
    const left = child(n, 'left');
    const right = child(n, 'right');
    if (left?.type === 'identifier' && textOf(facts.pf, left) === name && right) out.push(right);
  });
  return out.length > 0 ? out : null;
}

function walkOwn(n: PNode | undefined, visit: (n: PNode) => void): void {
  if (!n) return;
  for (const c of n.children) {
    if (c.type === 'function_definition' || c.type === 'class_definition' || c.type === 'lambda') continue;
    visit(c);
    walkOwn(c, visit);
  }
}

function union(parts: (ObjectCandidate[] | null)[]): ObjectCandidate[] | null {
  if (parts.some((p) => p === null)) return null;
  return (parts as ObjectCandidate[][]).flat();
}
