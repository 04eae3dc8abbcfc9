// What a Python task accepts, read from the `def` line in the task's source. TaskDef.params keeps only
// names; argument checks also need defaults, keyword-only markers (`*`, `*args`) and `/`, so the
// signature text is re-read here instead of widening the shared Python extractor.
import type { ProjectModel, TaskDef } from '../types.js';

export interface PyParam {
  name: string;
  hasDefault: boolean;
  kind: 'positional-only' | 'positional-or-keyword' | 'keyword-only' | 'var-positional' | 'var-keyword';
}

export interface TaskSignature {
  params: PyParam[];
  /** params a caller fills (without `self` of bind=True tasks and class methods) */
  callerParams: PyParam[];
  acceptsAnyPositional: boolean;
  acceptsAnyKeyword: boolean;
}

/** Signature of a task as callers see it; null when the `def` cannot be found (class-based tasks, odd code). */
export function taskSignature(model: ProjectModel, task: TaskDef): TaskSignature | null {
  const text = model.files.find((f) => f.file === task.file)?.text;
  if (!text) return null;
  const lines = text.split(/\r?\n/);
  // the decorator line (task.loc) is above the def; search a few lines down for `def <name>(`
  const start = lines.slice(0, task.loc.line - 1).join('\n').length + (task.loc.line > 1 ? 1 : 0);
  const re = new RegExp(`(?:async\\s+)?def\\s+${escapeRe(task.functionName)}\\s*\\(`, 'g');
  re.lastIndex = start;
  const m = re.exec(text);
  if (!m) return null;
  const inner = balancedInner(text, m.index + m[0].length - 1);
  if (inner === null) return null;
  const params = parseParams(inner);
  const bound = task.options.bind?.kind === 'bool' && task.options.bind.value;
  const isMethod = task.decorator === 'class';
  const callerParams = params.slice();
  if ((bound || isMethod) && callerParams.length > 0 && callerParams[0]!.kind !== 'var-positional') callerParams.shift();
  return {
    params,
    callerParams,
    acceptsAnyPositional: callerParams.some((p) => p.kind === 'var-positional'),
    acceptsAnyKeyword: callerParams.some((p) => p.kind === 'var-keyword'),
  };
}

/** Problems with calling the task with `positional` args and `kwargs` names, as Python would raise them. */
export function checkCall(sig: TaskSignature, positional: number | null, kwargs: string[] | null): string[] {
  const problems: string[] = [];
  const positionalSlots = sig.callerParams.filter((p) => p.kind === 'positional-only' || p.kind === 'positional-or-keyword');
  if (positional !== null && !sig.acceptsAnyPositional && positional > positionalSlots.length) {
    problems.push(`takes at most ${positionalSlots.length} positional argument${positionalSlots.length === 1 ? '' : 's'} but ${positional} ${positional === 1 ? 'was' : 'were'} given`);
  }
  if (kwargs !== null && !sig.acceptsAnyKeyword) {
    const named = new Set(sig.callerParams.filter((p) => p.kind === 'positional-or-keyword' || p.kind === 'keyword-only').map((p) => p.name));
    for (const k of kwargs) if (!named.has(k)) problems.push(`got an unexpected keyword argument '${k}'`);
  }
  // missing required args: only decidable when both sides are known
  if (positional !== null && kwargs !== null) {
    const given = new Set(kwargs);
    const missing: string[] = [];
    sig.callerParams.forEach((p) => {
      if (p.hasDefault || p.kind === 'var-positional' || p.kind === 'var-keyword') return;
      const idx = positionalSlots.indexOf(p);
      if (idx >= 0 && idx < positional) return;
      if (p.kind !== 'positional-only' && given.has(p.name)) return;
      missing.push(p.name);
    });
    if (missing.length > 0) problems.push(`missing required argument${missing.length === 1 ? '' : 's'}: ${missing.map((n) => `'${n}'`).join(', ')}`);
  }
  return problems;
}

/** `a, b=…, *, c=…` — the parameters as Python would print them (defaults elided). */
export function describeParams(params: PyParam[]): string {
  const parts: string[] = [];
  let starShown = false;
  params.forEach((p, i) => {
    if (p.kind === 'keyword-only' && !starShown) {
      parts.push('*');
      starShown = true;
    }
    if (p.kind === 'var-positional') starShown = true;
    parts.push(p.kind === 'var-positional' ? `*${p.name}` : p.kind === 'var-keyword' ? `**${p.name}` : p.hasDefault ? `${p.name}=…` : p.name);
    if (p.kind === 'positional-only' && params[i + 1]?.kind !== 'positional-only') parts.push('/');
  });
  return parts.join(', ');
}

export function parseParams(inner: string): PyParam[] {
  const out: PyParam[] = [];
  let keywordOnly = false;
  for (const rawPart of splitTopLevel(inner)) {
    const part = rawPart.replace(/#[^\n]*/g, '').trim();
    if (!part) continue;
    if (part === '/') {
      for (const p of out) if (p.kind === 'positional-or-keyword') p.kind = 'positional-only';
      continue;
    }
    if (part === '*') {
      keywordOnly = true;
      continue;
    }
    if (part.startsWith('**')) {
      out.push({ name: identOf(part.slice(2)), hasDefault: true, kind: 'var-keyword' });
      continue;
    }
    if (part.startsWith('*')) {
      out.push({ name: identOf(part.slice(1)), hasDefault: true, kind: 'var-positional' });
      keywordOnly = true;
      continue;
    }
    // annotations hold no top-level `=`, so any `=` in the part introduces a default
    const hasDefault = part.includes('=');
    out.push({ name: identOf(part), hasDefault, kind: keywordOnly ? 'keyword-only' : 'positional-or-keyword' });
  }
  return out;
}

function identOf(s: string): string {
  const m = /^\s*([A-Za-z_]\w*)/.exec(s);
  return m ? m[1]! : s.trim();
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Text between the bracket at `open` and its partner (strings and comments aware enough for signatures). */
function balancedInner(text: string, open: number): string | null {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  return null;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}
