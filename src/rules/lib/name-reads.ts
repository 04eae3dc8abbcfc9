// Where the project's Python code mentions the names of its own config assignments, found in one pass over the
// files. JC104 asks, per unknown key, "does the project read this name itself?"; asking it with one regex scan of
// every file per key made a config of 10,000 keys take 40 s (hardening test D9). The index is built once per model
// and only for the names config sources assign, so its size follows the project's settings, not its code.
import type { ProjectModel } from '../../model/types.js';

export interface NameMention {
  file: string;
  /** 1-based */
  line: number;
  text: string;
}

const cache = new WeakMap<ProjectModel, Map<string, NameMention[]>>();
const IDENT = /[A-Za-z_]\w*/g;

/** Every line of a Python file of the project that holds `name` as a whole word (comments included: callers judge). */
export function mentionsOf(model: ProjectModel, name: string): NameMention[] {
  if (!/^[A-Za-z_]\w*$/.test(name)) return scan(model, name); // a dict key that is no identifier: rare, scanned
  let index = cache.get(model);
  if (!index) {
    index = build(model);
    cache.set(model, index);
  }
  return index.get(name) ?? [];
}

function build(model: ProjectModel): Map<string, NameMention[]> {
  const wanted = new Set<string>();
  for (const s of model.configSources) for (const a of s.settings) wanted.add(a.name);
  const index = new Map<string, NameMention[]>();
  if (wanted.size === 0) return index;
  for (const f of model.files) {
    if (f.kind !== 'python') continue;
    const lines = f.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!;
      const seen = new Set<string>();
      for (const m of text.matchAll(IDENT)) {
        const w = m[0];
        if (!wanted.has(w) || seen.has(w)) continue;
        seen.add(w);
        let list = index.get(w);
        if (!list) index.set(w, (list = []));
        list.push({ file: f.file, line: i + 1, text });
      }
    }
  }
  return index;
}

function scan(model: ProjectModel, name: string): NameMention[] {
  const word = new RegExp(`(?<![\\w-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
  const out: NameMention[] = [];
  for (const f of model.files) {
    if (f.kind !== 'python' || !f.text.includes(name)) continue;
    f.text.split(/\r?\n/).forEach((text, i) => { if (word.test(text)) out.push({ file: f.file, line: i + 1, text }); });
  }
  return out;
}
