// Source text of model elements, from the text the model already holds (no second read).
import type { FunctionDef, Location, ProjectModel } from '../../model/types.js';
import { escapeRe, tokenLoc } from '../../model/integrations/text.js';

const linesCache = new WeakMap<ProjectModel, Map<string, string[]>>();

export function fileLines(model: ProjectModel, file: string): string[] {
  let cache = linesCache.get(model);
  if (!cache) linesCache.set(model, (cache = new Map()));
  let lines = cache.get(file);
  if (!lines) {
    lines = (model.files.find((f) => f.file === file)?.text ?? '').split(/\r?\n/);
    cache.set(file, lines);
  }
  return lines;
}

export function functionSource(model: ProjectModel, fn: FunctionDef): string {
  const lines = fileLines(model, fn.file);
  return lines.slice(fn.loc.line - 1, fn.loc.endLine ?? fn.loc.line).join('\n');
}

/**
 * The line of the offending token inside a value written over several lines (`SECRET_KEY = (\n "…"\n)`, a dict whose
 * `"cert_reqs": ssl.CERT_NONE` is on its own line): a finding points there, not at the value's first line. `needle`
 * is matched literally when a string. `loc` when the token is on its first line or on none (model/integrations/text.ts).
 */
export function tokenAt(model: ProjectModel, loc: Location, needle: string | RegExp, lastLine = loc.endLine ?? loc.line): Location {
  if (lastLine <= loc.line || (typeof needle === 'string' && needle.length === 0)) return loc;
  const re = typeof needle === 'string' ? new RegExp(escapeRe(needle)) : needle;
  return tokenLoc(fileLines(model, loc.file), loc, re, lastLine);
}
