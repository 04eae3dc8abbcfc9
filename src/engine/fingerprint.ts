// The stable identity of a finding, shared by the baseline (jobctl-baseline.json) and SARIF
// `partialFingerprints`: rule + file + the normalised code of the statement the finding sits in +
// the occurrence index among findings with that same triple. It survives lines moving (code added
// above, blank lines, re-indentation, a comment edited) and breaks when the statement itself changes
// — the same contract as ESLint's bulk suppressions and GitHub's alert matching.
import { createHash } from 'node:crypto';

/** The statement's code with comments dropped and runs of whitespace collapsed. For Python the
 * statement is the logical line: a call spread over several lines counts as one (open brackets and
 * backslash continuations are followed); other files (YAML, Dockerfile, .env, requirements) use the
 * physical line, with Dockerfile-style trailing backslashes followed. */
export function statementText(text: string, line: number, file: string): string {
  return statementOfLines(text.split(/\r?\n/), line, file);
}

function statementOfLines(lines: string[], line: number, file: string): string {
  const start = line - 1;
  if (start < 0 || start >= lines.length) return '';
  const python = /\.pyi?$/.test(file);
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null; // an open triple-quoted string carried across lines
  for (let i = start; i < lines.length && i < start + 200; i++) {
    const scanned: Scan = python ? scanPython(lines[i]!, depth, quote) : { code: stripHashComment(lines[i]!), depth: 0, quote: null };
    depth = scanned.depth;
    quote = scanned.quote;
    const code = scanned.code.trimEnd();
    const continued = code.endsWith('\\');
    out.push(continued ? code.slice(0, -1) : code);
    if (depth <= 0 && quote === null && !continued) break;
  }
  return out.join(' ').replace(/\s+/g, ' ').trim();
}

interface Scan { code: string; depth: number; quote: string | null }

/** One physical line of Python: the code without its comment, and the bracket depth / open
 * triple-quote after it. Strings are kept (they are code) but their brackets and #s do not count. */
function scanPython(line: string, depthIn: number, quoteIn: string | null): Scan {
  let depth = depthIn;
  let quote = quoteIn;
  let i = 0;
  while (i < line.length) {
    if (quote) {
      if (line[i] === '\\') { i += 2; continue; }
      if (line.startsWith(quote, i)) { i += quote.length; quote = null; continue; }
      i++;
      continue;
    }
    const ch = line[i]!;
    if (ch === '#') return { code: line.slice(0, i), depth, quote: null };
    if (ch === '"' || ch === "'") {
      const triple = line.startsWith(ch.repeat(3), i);
      quote = triple ? ch.repeat(3) : ch;
      i += quote.length;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    i++;
  }
  // a single-quoted string cannot run past the end of a line (without a backslash): close it
  if (quote !== null && quote.length === 1) quote = null;
  return { code: line, depth, quote };
}

/** `# comment` at the start of a line or after whitespace (YAML, shell, .env, requirements). */
function stripHashComment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

export interface FingerprintInput {
  ruleId: string;
  file: string;
  line: number;
  /** the column breaks ties among findings on one line (occurrence order) */
  column?: number;
}

/** Fingerprints for findings in order; `textOf` gives a file's text (absent: the line number is not
 * used either, so a finding in an unread file gets rule + file + occurrence index). A rule's own
 * `key` is deliberately not part of it: some keys hold line numbers, which would undo the point. */
export function fingerprintAll(items: FingerprintInput[], textOf: (file: string) => string | undefined): string[] {
  const occurrences = new Map<string, number>();
  // occurrence index in source order, so inserting a duplicate below does not renumber the ones above
  const order = items.map((it, i) => ({ it, i })).sort((a, b) => a.it.file.localeCompare(b.it.file) || a.it.line - b.it.line || (a.it.column ?? 0) - (b.it.column ?? 0) || a.i - b.i);
  const out: string[] = new Array(items.length);
  // each file split once and each statement normalised once: 10,000 findings on one long
  // `conf.update(...)` line cost 10,000 scans of that line before (hardening test D9)
  const linesOf = new Map<string, string[] | undefined>();
  const codeAt = new Map<string, string>();
  for (const { it, i } of order) {
    if (!linesOf.has(it.file)) linesOf.set(it.file, textOf(it.file)?.split(/\r?\n/));
    const lines = linesOf.get(it.file);
    const at = `${it.file}\0${it.line}`;
    let code = codeAt.get(at);
    if (code === undefined) {
      code = lines === undefined ? '' : statementOfLines(lines, it.line, it.file);
      codeAt.set(at, code);
    }
    const identity = `${it.ruleId}\0${it.file}\0${code}`;
    const n = occurrences.get(identity) ?? 0;
    occurrences.set(identity, n + 1);
    out[i] = createHash('sha256').update(`${identity}\0${n}`).digest('hex').slice(0, 32);
  }
  return out;
}
