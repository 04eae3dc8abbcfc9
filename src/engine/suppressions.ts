// Inline suppressions, with ruff's grammar but jobctl's own marker (never `# noqa`, which would also
// silence ruff): `# jobctl: ignore[JC101, JC102]` trailing covers its physical line; on a line of its
// own it covers the next statement (all its lines, until brackets balance). `# jobctl: file-ignore[...]`
// anywhere covers the whole file. A bare `# jobctl: ignore` without codes is not honoured (no blanket).

// `#` in Python, YAML, TOML and shell; `//` in TypeScript/JavaScript
const DIRECTIVE = /(?:#|\/\/)\s*jobctl:\s*(ignore|file-ignore)\[([^\]]*)\]/gi;

export interface FileSuppressions {
  file: Set<string>;
  /** line -> rule ids */
  lines: Map<number, Set<string>>;
}

export function parseSuppressions(text: string): FileSuppressions {
  const result: FileSuppressions = { file: new Set(), lines: new Map() };
  if (!text.includes('jobctl:')) return result;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('jobctl:')) continue;
    DIRECTIVE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = DIRECTIVE.exec(line)) !== null) {
      const codes = m[2]!.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      if (m[1]!.toLowerCase() === 'file-ignore') {
        codes.forEach((c) => result.file.add(c));
        continue;
      }
      const ownLine = line.slice(0, m.index).trim() === '';
      const covered = ownLine ? nextStatementLines(lines, i + 1) : [i + 1];
      for (const ln of covered) {
        let set = result.lines.get(ln);
        if (!set) result.lines.set(ln, (set = new Set()));
        codes.forEach((c) => set!.add(c));
      }
    }
  }
  return result;
}

/** 1-based line numbers of the statement starting at the first non-blank, non-comment line from index. */
function nextStatementLines(lines: string[], from: number): number[] {
  let i = from;
  while (i < lines.length && (lines[i]!.trim() === '' || lines[i]!.trim().startsWith('#') || lines[i]!.trim().startsWith('//'))) i++;
  if (i >= lines.length) return [];
  const out: number[] = [];
  let depth = 0;
  for (; i < lines.length; i++) {
    out.push(i + 1);
    const code = lines[i]!.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '').replace(/#.*$/, '');
    for (const ch of code) {
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    }
    if (depth === 0 && !code.trimEnd().endsWith('\\') && !code.trimEnd().endsWith(':')) break;
    if (depth === 0 && code.trimEnd().endsWith(':')) break; // a decorator/def header: the header itself
  }
  return out;
}

export function isSuppressed(s: FileSuppressions | undefined, ruleId: string, line: number): boolean {
  if (!s) return false;
  if (s.file.has(ruleId)) return true;
  return s.lines.get(line)?.has(ruleId) ?? false;
}
