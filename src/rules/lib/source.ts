// Source text of model elements, from the text the model already holds (no second read).
import type { FunctionDef, ProjectModel } from '../../model/types.js';

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
