// Templated deploy files (cookiecutter/Jinja `{{ … }}`, `{% … %}`, Ansible `.j2`): read what parses
// once the template tags are blanked, and know which lines hold a template expression — a fact read
// from such a line (a worker command `celery -A {{ app }} worker`) is unknown, never guessed.
// Lines keep their numbers (columns after a tag may shift), so locations stay right.
import type { ProjectModel, SourceFileInfo } from '../types.js';

export interface TemplateView {
  /** the text with template tags blanked (same lines) */
  text: string;
  /** true when the file has template tags at all */
  templated: boolean;
  /** 1-based lines whose content depends on a template expression or sits in an else-branch */
  unknownLines: Set<number>;
  /** 1-based lines inside an `{% if %}`/`{% for %}` block: present in some renderings only */
  conditionalLines?: Set<number>;
}

const cache = new WeakMap<SourceFileInfo, TemplateView>();
/** stands in for `{{ expr }}` so the surrounding text still parses (a word, valid in YAML, shell, INI, and a Python name) */
export const TEMPLATE_VALUE = 'jobctl_template_value';

const TAG = /\{#[\s\S]*?#\}|\{%-?[\s\S]*?-?%\}|\{\{-?[\s\S]*?-?\}\}/g;

export function looksTemplated(text: string): boolean {
  return /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/.test(text);
}

/** The file's text with Jinja tags blanked; cached per file. */
export function templateView(file: SourceFileInfo): TemplateView {
  const hit = cache.get(file);
  if (hit) return hit;
  const view = blankJinja(file.text);
  cache.set(file, view);
  return view;
}

export function blankJinja(text: string): TemplateView {
  if (!looksTemplated(text)) return { text, templated: false, unknownLines: new Set() };
  const unknownLines = new Set<number>();
  const lineAt = lineIndex(text);
  // else/elif branches: only the first branch of an if is read (reading both would double keys)
  const outer: boolean[] = [];
  let out = '';
  let last = 0;
  let skipping = false;
  const conditionalLines = new Set<number>();
  for (const m of text.matchAll(TAG)) {
    const start = m.index;
    const tag = m[0];
    const chunk = text.slice(last, start);
    if (outer.length > 0) markLines(conditionalLines, lineAt(last), lineAt(start));
    out += skipping ? blankKeepNewlines(chunk) : chunk;
    if (skipping) markLines(unknownLines, lineAt(last), lineAt(start));
    const stmt = /^\{%-?\s*(\w+)/.exec(tag)?.[1];
    if (tag.startsWith('{{')) {
      out += skipping ? newlinesOf(tag) : TEMPLATE_VALUE + newlinesOf(tag);
      markLines(unknownLines, lineAt(start), lineAt(start + tag.length));
    } else {
      // a statement tag leaves nothing (`  {% if x %}key: v{% endif %}` reads as `  key: v`)
      out += newlinesOf(tag);
      if (stmt === 'if' || stmt === 'for' || stmt === 'with' || stmt === 'block' || stmt === 'macro' || stmt === 'filter') outer.push(skipping);
      else if (stmt === 'elif' || stmt === 'else') skipping = true;
      else if (stmt?.startsWith('end')) skipping = outer.pop() ?? false;
    }
    last = start + tag.length;
  }
  const tail = text.slice(last);
  out += skipping ? blankKeepNewlines(tail) : tail;
  return { text: out, templated: true, unknownLines, conditionalLines };
}

function blankKeepNewlines(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

function newlinesOf(s: string): string {
  return s.replace(/[^\n]/g, '');
}

function markLines(set: Set<number>, from: number, to: number): void {
  for (let l = from; l <= to; l++) set.add(l);
}

function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** A fact that sits on a templated line: record it as unread instead of building on it. */
export function unreadTemplated(model: ProjectModel, file: string, line: number, what: string): void {
  model.unread.push({ file, loc: { file, line, column: 1 }, what, reason: 'it depends on a template expression ({{ … }}) jobctl does not render' });
}

/**
 * A templated Python file as the Python reader should see it (cookiecutter's `config/settings/base.py`):
 * tags blanked, `{{ x }}` an unresolvable name (an unknown value), else-branches left out. The file
 * itself (model.files) keeps its raw text.
 */
export function templatedPythonView(file: SourceFileInfo): SourceFileInfo {
  if (!looksTemplated(file.text)) return file;
  const view = blankJinja(file.text);
  // `X = value` inside `{% if %}`: X is set in some renderings only — keep the name, make the value unknown
  const lines = view.text.split('\n').map((l, i) => {
    if (!view.conditionalLines?.has(i + 1)) return l;
    const m = /^(\s*[A-Za-z_][\w.]*\s*=\s*)([^\s#].*)$/.exec(l);
    return m && balanced(m[2]!) ? `${m[1]!}${TEMPLATE_VALUE}` : l;
  });
  return { ...file, text: lines.join('\n') };
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '')) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
  }
  return depth === 0 && !/\\$/.test(s.trim());
}
