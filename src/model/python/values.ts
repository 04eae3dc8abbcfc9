// PyValue evaluation of expression nodes, without running anything.
import type { PyValue } from '../types.js';
import { child, textOf, type PFile, type PNode } from './tree.js';

export interface ValueContext {
  pf: PFile;
  /** dotted name as written -> resolved through the module's imports ('environ' -> 'os.environ') */
  resolve(dotted: string): string;
  /** a module-level assignment's value node for a bare name, for one level of constant substitution */
  constant?(name: string): PNode | undefined;
  /**
   * a module-level assignment of another project module, reached through this module's imports
   * (`from .config import BROKER_URL`, `from pkg import environs` + `environs.CELERY_BROKER`): its value node and the
   * context to evaluate it in (the defining module's). One level, like `constant`.
   */
  linked?(dotted: string): { node: PNode; ctx: ValueContext } | undefined;
}

const ENV_GET = new Set(['os.environ.get', 'os.getenv', 'os.environ.setdefault', 'os.getenvb']);
const CASTS = new Set(['int', 'float', 'str', 'bool']);

/** Python string literal -> its value; null for f-strings (not knowable) */
export function stringValue(raw: string): string | null {
  const m = /^([rRbBuUfF]*)('''|"""|'|")/.exec(raw);
  if (!m) return null;
  const prefix = m[1]!.toLowerCase();
  if (prefix.includes('f')) return null;
  const q = m[2]!;
  let body = raw.slice(m[0].length);
  if (body.endsWith(q)) body = body.slice(0, body.length - q.length);
  if (prefix.includes('r')) return body;
  return body.replace(/\\(\r?\n|[\\'"abfnrtv0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|N\{[^}]*\})/g, (all, e: string) => {
    switch (e[0]) {
      case '\n':
      case '\r':
        return '';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
        return '\0';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'x':
      case 'u':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'N':
        return all;
      default:
        return e;
    }
  });
}

function parseIntLiteral(raw: string): number | null {
  const s = raw.replace(/_/g, '').toLowerCase().replace(/l$/, '');
  if (/^0x[0-9a-f]+$/.test(s)) return parseInt(s.slice(2), 16);
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.slice(2), 8);
  if (/^0b[01]+$/.test(s)) return parseInt(s.slice(2), 2);
  if (/^\d+$/.test(s)) return Number(s);
  return null;
}

/** Dotted text of an identifier / attribute chain, or null when it is anything else. */
export function dottedName(pf: PFile, n: PNode): string | null {
  if (n.type === 'identifier') return textOf(pf, n);
  if (n.type === 'attribute') {
    const obj = child(n, 'object');
    const attr = child(n, 'attribute');
    if (!obj || !attr) return null;
    const head = dottedName(pf, obj);
    return head === null ? null : `${head}.${textOf(pf, attr)}`;
  }
  return null;
}

export function callArgs(n: PNode): { positional: PNode[]; keywords: { name: PNode; value: PNode; node: PNode }[]; splats: PNode[] } {
  const args = child(n, 'arguments');
  const positional: PNode[] = [];
  const keywords: { name: PNode; value: PNode; node: PNode }[] = [];
  const splats: PNode[] = [];
  if (!args) return { positional, keywords, splats };
  if (args.type !== 'argument_list') {
    positional.push(args); // f(x for x in y)
    return { positional, keywords, splats };
  }
  for (const a of args.children) {
    if (a.type === 'keyword_argument') {
      const name = child(a, 'name');
      const value = child(a, 'value');
      if (name && value) keywords.push({ name, value, node: a });
    } else if (a.type === 'dictionary_splat') splats.push(a);
    else if (a.type !== 'ERROR') positional.push(a);
  }
  return { positional, keywords, splats };
}

export function evalValue(ctx: ValueContext, n: PNode, depth = 0): PyValue {
  const { pf } = ctx;
  const text = (): PyValue => ({ kind: 'expr', text: textOf(pf, n) });
  if (depth > 20) return text();
  switch (n.type) {
    case 'string': {
      const v = stringValue(textOf(pf, n));
      return v === null ? text() : { kind: 'str', value: v };
    }
    case 'concatenated_string': {
      let out = '';
      for (const ch of n.children) {
        if (ch.type !== 'string') continue;
        const v = stringValue(textOf(pf, ch));
        if (v === null) return text();
        out += v;
      }
      return { kind: 'str', value: out };
    }
    case 'integer': {
      const v = parseIntLiteral(textOf(pf, n));
      return v === null ? text() : { kind: 'num', value: v };
    }
    case 'float': {
      const v = Number(textOf(pf, n).replace(/_/g, ''));
      return Number.isFinite(v) ? { kind: 'num', value: v } : text();
    }
    case 'true':
      return { kind: 'bool', value: true };
    case 'false':
      return { kind: 'bool', value: false };
    case 'none':
      return { kind: 'none' };
    case 'parenthesized_expression': {
      const inner = n.children[0];
      return inner && n.children.length === 1 ? evalValue(ctx, inner, depth + 1) : text();
    }
    case 'unary_operator': {
      const arg = child(n, 'argument');
      const raw = textOf(pf, n).trimStart();
      if (arg && raw.startsWith('-')) {
        const v = evalValue(ctx, arg, depth + 1);
        if (v.kind === 'num') return { kind: 'num', value: -v.value };
      }
      return text();
    }
    case 'binary_operator': {
      const l = child(n, 'left');
      const r = child(n, 'right');
      if (!l || !r) return text();
      const op = pf.text.slice(l.end, r.start).trim();
      const lv = evalValue(ctx, l, depth + 1);
      const rv = evalValue(ctx, r, depth + 1);
      if (lv.kind === 'num' && rv.kind === 'num') {
        const a = lv.value;
        const b = rv.value;
        const v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' && b !== 0 ? a / b : op === '//' && b !== 0 ? Math.floor(a / b) : op === '**' ? a ** b : NaN;
        if (Number.isFinite(v)) return { kind: 'num', value: v };
      }
      if (op === '+' && lv.kind === 'str' && rv.kind === 'str') return { kind: 'str', value: lv.value + rv.value };
      return text();
    }
    case 'boolean_operator': {
      // os.environ.get('X') or 'default'
      const l = child(n, 'left');
      const r = child(n, 'right');
      if (l && r && /^\s*or\s*$/.test(pf.text.slice(l.end, r.start))) {
        const lv = evalValue(ctx, l, depth + 1);
        if (lv.kind === 'env' && !lv.default) return { kind: 'env', name: lv.name, default: evalValue(ctx, r, depth + 1) };
      }
      return text();
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const items: PyValue[] = [];
      for (const ch of n.children) items.push(evalValue(ctx, ch, depth + 1));
      return { kind: 'list', items, brackets: n.type };
    }
    case 'dictionary': {
      const entries: { key: PyValue; value: PyValue }[] = [];
      for (const ch of n.children) {
        if (ch.type !== 'pair') continue;
        const k = child(ch, 'key');
        const v = child(ch, 'value');
        if (k && v) entries.push({ key: evalValue(ctx, k, depth + 1), value: evalValue(ctx, v, depth + 1) });
      }
      return { kind: 'dict', entries };
    }
    case 'identifier':
    case 'attribute': {
      const dotted = dottedName(pf, n);
      if (dotted === null) return text();
      if (n.type === 'identifier' && ctx.constant) {
        // one level: the constant's own value is evaluated without further substitution
        const c = ctx.constant(dotted);
        if (c) {
          const v = evalValue({ pf: ctx.pf, resolve: ctx.resolve }, c, depth + 1);
          if (isLiteral(v) || isFString(ctx.pf, c)) return v;
        }
      }
      const l = ctx.linked?.(dotted);
      if (l) {
        const v = evalValue(l.ctx, l.node, depth + 1);
        if (isLiteral(v) || isFString(l.ctx.pf, l.node)) return v;
      }
      return { kind: 'name', dotted };
    }
    case 'subscript': {
      // os.environ['X']
      const value = child(n, 'value');
      const sub = child(n, 'subscript');
      if (value && sub) {
        const d = dottedName(pf, value);
        if (d && ctx.resolve(d) === 'os.environ' && sub.type === 'string') {
          const name = stringValue(textOf(pf, sub));
          if (name !== null) return { kind: 'env', name };
        }
      }
      return text();
    }
    case 'call':
      return evalCall(ctx, n, depth) ?? text();
    default:
      return text();
  }
}

/** An f-string: its value is not knowable, but its literal parts are (`f"redis://:{PASS}@{HOST}"` is a Redis URL). */
function isFString(pf: PFile, n: PNode): boolean {
  return n.type === 'string' && /^[rRbBuU]*[fF]/.test(textOf(pf, n));
}

function isLiteral(v: PyValue): boolean {
  return v.kind === 'str' || v.kind === 'num' || v.kind === 'bool' || v.kind === 'none' || v.kind === 'list' || v.kind === 'dict' || v.kind === 'env';
}

function evalCall(ctx: ValueContext, n: PNode, depth: number): PyValue | null {
  const { pf } = ctx;
  const fn = child(n, 'function');
  if (!fn) return null;
  const written = dottedName(pf, fn);
  if (written === null) return null;
  const resolved = ctx.resolve(written);
  const { positional, keywords } = callArgs(n);
  const kw = (name: string): PNode | undefined => keywords.find((k) => textOf(pf, k.name) === name)?.value;
  const firstStr = positional[0] && positional[0].type === 'string' ? stringValue(textOf(pf, positional[0])) : null;
  const envWith = (name: string, def: PNode | undefined): PyValue => (def ? { kind: 'env', name, default: evalValue(ctx, def, depth + 1) } : { kind: 'env', name });

  if (ENV_GET.has(resolved) && firstStr !== null) return envWith(firstStr, positional[1] ?? kw('default'));
  // django-environ: env('X', default=...), env.str('X', ...), env.bool(...); python-decouple: config('X', default=...)
  const head = written.split('.')[0]!;
  const isEnvLib =
    (head === 'env' && (written === 'env' || written.split('.').length === 2)) ||
    resolved.startsWith('decouple.') ||
    resolved.startsWith('environ.') ||
    resolved.startsWith('prettyconf.') ||
    (written === 'config' && firstStr !== null && /^[A-Z][A-Z0-9_]*$/.test(firstStr));
  if (isEnvLib && firstStr !== null && !/\.(Env|read_env)$/.test(resolved)) return envWith(firstStr, kw('default') ?? positional[1]);
  // int(os.environ.get('X', '5'))
  if (CASTS.has(written) && positional.length === 1 && keywords.length === 0) {
    const inner = evalValue(ctx, positional[0]!, depth + 1);
    if (inner.kind === 'env') {
      if (inner.default && inner.default.kind === 'str' && (written === 'int' || written === 'float')) {
        const num = Number(inner.default.value);
        if (inner.default.value.trim() !== '' && Number.isFinite(num)) return { kind: 'env', name: inner.name, default: { kind: 'num', value: num } };
      }
      return inner;
    }
    return null;
  }
  if (written === 'dict' && positional.length === 0) {
    const entries: { key: PyValue; value: PyValue }[] = [];
    for (const k of keywords) entries.push({ key: { kind: 'str', value: textOf(pf, k.name) }, value: evalValue(ctx, k.value, depth + 1) });
    return { kind: 'dict', entries };
  }
  return null;
}
