// Where the project's Python code mentions some names, found in one pass over the files. JC104 asks, for each
// unknown key, "does the project read this name itself?"; one regex scan of every file per key made a config of
// 10,000 keys take 40 s (hardening test D9). The rule gathers the keys it is unsure of and asks once.
import type { ProjectModel } from '../../model/types.js';

export interface NameMention {
  file: string;
  /** 1-based */
  line: number;
  text: string;
}

const IDENT = /[A-Za-z_]\w*/g;
const IDENT_ONLY = /^[A-Za-z_]\w*$/;

/** Every line of a Python file of the project that holds one of `names` as a whole word (comments included: callers judge). */
export function nameMentions(model: ProjectModel, names: Set<string>): Map<string, NameMention[]> {
  const index = new Map<string, NameMention[]>();
  if (names.size === 0) return index;
  const add = (name: string, m: NameMention): void => {
    let list = index.get(name);
    if (!list) index.set(name, (list = []));
    list.push(m);
  };
  const idents = new Set([...names].filter((n) => IDENT_ONLY.test(n)));
  // a dict key that is no identifier ("worker-log-level"): rare, matched by its own pattern
  const others = [...names].filter((n) => !idents.has(n)).map((n) => ({ n, re: new RegExp(`(?<![\\w-])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`) }));
  // one scan per file finds the few files that mention any of the names; only those are split and tokenised
  const any = idents.size > 0 ? new RegExp(`\\b(?:${[...idents].join('|')})\\b`) : null;
  for (const f of model.files) {
    if (f.kind !== 'python') continue;
    // a few names: a literal search first (a `\b(?:…)\b` scan of every file cost ~25 ms CPU on saleor for one name)
    const hasIdent = any !== null && (idents.size > 8 || [...idents].some((n) => f.text.includes(n))) && any.test(f.text);
    const other = others.filter((o) => f.text.includes(o.n));
    if (!hasIdent && other.length === 0) continue;
    f.text.split(/\r?\n/).forEach((text, i) => {
      const at = { file: f.file, line: i + 1, text };
      if (hasIdent) {
        const seen = new Set<string>();
        for (const m of text.matchAll(IDENT)) if (idents.has(m[0]) && !seen.has(m[0])) { seen.add(m[0]); add(m[0], at); }
      }
      for (const o of other) if (o.re.test(text)) add(o.n, at);
    });
  }
  return index;
}
