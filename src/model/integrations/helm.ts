// Helm templates, rendered as far as the chart's own values.yaml allows and no further: simple value
// paths (`.Values.a.b`, `$.Values.a.b`, `.x` inside `with`), `quote`, `toYaml … | nindent N`, `default`
// with a literal (`.Values.x | default 4`, `default "celery" .Values.q`),
// `if`/`with` on a value path. Anything else — include/template, other functions, range, `.Release` —
// is unknown: its text is a placeholder and its lines are marked, so no fact is built on it.
// Lines keep their numbers.
import { parse as parseYaml } from 'yaml';
import { TEMPLATE_VALUE, type TemplateView } from './template.js';

type Frame = { mode: 'on' | 'off' | 'unknown' | 'define'; dot: unknown; taken: boolean };

const TAG = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
const PATH = /^(\$?\.Values(?:\.[\w-]+)*|\.[\w-]+(?:\.[\w-]+)*|\.)$/;

/** the chart root of a file under `<chart>/templates/`, or null */
export function chartRoot(rel: string): string | null {
  const i = rel.lastIndexOf('/templates/');
  if (i < 0) return rel.startsWith('templates/') ? '' : null;
  return rel.slice(0, i);
}

export function parseValues(text: string | undefined): Record<string, unknown> | null {
  if (text === undefined) return null;
  try {
    const v = parseYaml(text, { prettyErrors: false }) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return null;
  }
}

export function renderHelm(text: string, values: Record<string, unknown> | null): TemplateView {
  const unknownLines = new Set<number>();
  const stack: Frame[] = [];
  const active = (): Frame['mode'] => (stack.some((f) => f.mode === 'off' || f.mode === 'define') ? 'off' : stack.some((f) => f.mode === 'unknown') ? 'unknown' : 'on');
  const dot = (): unknown => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.dot !== undefined) return stack[i]!.dot;
    return { Values: values ?? {} };
  };
  const resolve = (p: string): { ok: true; v: unknown } | { ok: false } => {
    if (!PATH.test(p) || values === null) return { ok: false };
    if (p === '.') return { ok: true, v: dot() };
    const rooted = p.startsWith('$.Values') || p.startsWith('.Values');
    let cur: unknown = rooted ? values : dot();
    for (const k of p.replace(/^\$?\.Values\.?/, rooted ? '' : '').replace(/^\./, '').split('.').filter(Boolean)) {
      if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return rooted && !p.includes('..') ? { ok: true, v: undefined } : { ok: false };
      cur = (cur as Record<string, unknown>)[k];
    }
    return { ok: true, v: cur };
  };
  const truthy = (v: unknown): boolean => !isEmpty(v);

  let out = '';
  let last = 0;
  let line = 1;
  const lineOfOffset = (from: number, to: number): void => {
    for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) line++;
  };
  const emit = (chunk: string): void => {
    const mode = active();
    if (mode === 'on') out += chunk;
    else {
      const start = line;
      out += chunk.replace(/[^\n]/g, '');
      if (mode === 'unknown') for (let l = start; l <= start + (chunk.match(/\n/g)?.length ?? 0); l++) unknownLines.add(l);
    }
  };
  for (const m of text.matchAll(TAG)) {
    const chunk = text.slice(last, m.index);
    emit(chunk);
    lineOfOffset(last, m.index);
    const tag = m[0];
    const body = m[1]!.trim();
    const word = /^(\w+)/.exec(body)?.[1];
    const rest = body.slice(word?.length ?? 0).trim();
    const tagLine = line;
    if (body.startsWith('/*')) {
      out += tag.replace(/[^\n]/g, '');
    } else if (word === 'if' || word === 'with') {
      const neg = /^not\s+/.test(rest);
      const r = resolve(rest.replace(/^not\s+/, ''));
      const mode: Frame['mode'] = !r.ok ? 'unknown' : truthy(r.v) !== neg ? 'on' : 'off';
      stack.push({ mode, dot: word === 'with' && r.ok && mode === 'on' ? r.v : undefined, taken: mode === 'on' });
      if (mode === 'unknown') unknownLines.add(tagLine);
      out += tag.replace(/[^\n]/g, '');
    } else if (word === 'range' || word === 'define' || word === 'block') {
      stack.push({ mode: word === 'define' ? 'define' : 'unknown', dot: undefined, taken: false });
      if (word !== 'define') unknownLines.add(tagLine);
      out += tag.replace(/[^\n]/g, '');
    } else if (word === 'else') {
      const f = stack[stack.length - 1];
      if (f && f.mode !== 'define') {
        if (f.mode === 'unknown' || /^else\s+if/.test(body)) f.mode = 'unknown';
        else f.mode = f.taken ? 'off' : 'on';
        f.dot = undefined;
      }
      out += tag.replace(/[^\n]/g, '');
    } else if (word === 'end') {
      stack.pop();
      out += tag.replace(/[^\n]/g, '');
    } else if (active() !== 'on') {
      // inside a block that is not rendered (or not known to be): its text is blanked, so is the value
      out += tag.replace(/[^\n]/g, '');
      if (active() === 'unknown') unknownLines.add(tagLine);
    } else {
      const v = evaluate(body, resolve);
      if (v === null) {
        // alone on its line (`{{- include "labels" . | nindent 4 }}`) it would yield map entries: leave nothing
        const end = m.index + tag.length;
        const alone = /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', m.index - 1) + 1, m.index)) && /^[ \t]*(\r?\n|$)/.test(text.slice(end));
        out += (alone ? '' : TEMPLATE_VALUE) + tag.replace(/[^\n]/g, '');
        unknownLines.add(tagLine);
      } else out += v;
    }
    lineOfOffset(m.index, m.index + tag.length);
    last = m.index + tag.length;
  }
  emit(text.slice(last));
  return { text: out, templated: true, unknownLines };
}

/** a value expression's output on one line, or null when it is not one jobctl renders */
function evaluate(body: string, resolve: (p: string) => { ok: true; v: unknown } | { ok: false }): string | null {
  const parts = body.split('|').map((s) => s.trim());
  let head = parts[0]!;
  let fn: string | null = null;
  let v: unknown;
  // `default 4 .Values.x` (Sprig: the literal when the value is empty — nil, false, 0, "", {} or [])
  const def = /^default\s+("[^"]*"|\S+)\s+(\S+)$/.exec(head);
  if (def) {
    const d = literal(def[1]!);
    const r = resolve(def[2]!);
    if (d === undefined || !r.ok) return null;
    v = isEmpty(r.v) ? d : r.v;
  } else {
    const call = /^(toYaml|toJson|quote)\s+(\S+)$/.exec(head);
    if (call) {
      fn = call[1]!;
      head = call[2]!;
    }
    const r = resolve(head);
    if (!r.ok) return null;
    v = r.v;
  }
  for (const p of parts.slice(1)) {
    const d = /^default\s+("[^"]*"|\S+)$/.exec(p);
    if (/^n?indent\s+\d+$/.test(p) && (fn === 'toYaml' || fn === 'toJson')) continue;
    if (p === 'quote' && fn === null) fn = 'quote';
    else if (d && literal(d[1]!) !== undefined && fn === null) {
      // `.Values.x | default 4`: the pipeline's value is default's last argument
      if (isEmpty(v)) v = literal(d[1]!);
    } else return null;
  }
  if (v === undefined) return null;
  if (fn === 'toYaml' || fn === 'toJson') return ` ${JSON.stringify(v)}`;
  if (v !== null && typeof v === 'object') return null;
  const s = String(v);
  if (s.includes('\n')) return null;
  return fn === 'quote' ? JSON.stringify(s) : s;
}

/** a Go template literal: a number, a double-quoted string, true/false; undefined for anything else */
function literal(t: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^"[^"\\]*"$/.test(t)) return t.slice(1, -1);
  return undefined;
}

/** Sprig's `empty`: what `default` replaces */
function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
}
