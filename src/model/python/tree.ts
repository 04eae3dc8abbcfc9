// A light JS copy of a tree-sitter tree. Every later step works on this copy, so each wasm node is
// touched exactly once (one TreeCursor walk per file) instead of many times through the Node API.
// Only named nodes are kept (plus the `async` keyword); string internals and comments are skipped.
import { createHash } from 'node:crypto';
import type { Tree } from './parser.js';
import type { Location } from '../types.js';

export interface PNode {
  type: string;
  field: string | null;
  start: number; // UTF-16 index into the source text
  end: number;
  children: PNode[];
  parent: PNode | null;
}

export interface PFile {
  file: string;
  text: string;
  root: PNode;
  /** first ERROR / MISSING position, when the parse had errors */
  errorAt: number | null;
  lineStarts: number[];
}

/**
 * The grammar's node-type and field names, indexed by tree-sitter's ids. `key` names the table (a hash of
 * every name in order), so an encoded tree (tree-codec.ts) made with another grammar is recognised.
 */
export interface GrammarTables {
  types: readonly string[];
  named: readonly boolean[];
  fields: readonly (string | null)[];
  key: string;
}
let tables: GrammarTables | null = null;

/** The tables of the grammar a tree (or a parser: anything with its `language`) was made with; memoized per process. */
export function grammarTables(tree: { language: Tree['language'] }): GrammarTables {
  if (tables) return tables;
  const lang = tree.language;
  const types: string[] = [];
  const named: boolean[] = [];
  for (let i = 0; i < lang.nodeTypeCount; i++) {
    types.push(lang.nodeTypeForId(i) ?? '');
    named.push(lang.nodeTypeIsNamed(i));
  }
  const fields: (string | null)[] = [null];
  for (let i = 1; i <= lang.fieldCount; i++) fields.push(lang.fieldNameForId(i));
  tables = makeGrammarTables(types, named, fields);
  return tables;
}

/** The loaded grammar's tables, once a tree has been copied in this process; null before. */
export function knownGrammarTables(): GrammarTables | null {
  return tables;
}

/** Tables from stored names (a cache file's header); the key is recomputed from the names. */
export function makeGrammarTables(types: readonly string[], named: readonly boolean[], fields: readonly (string | null)[]): GrammarTables {
  const h = createHash('sha1');
  h.update(types.map((t, i) => `${named[i] ? '+' : '-'}${t}`).join('\n'));
  h.update('\0');
  h.update(fields.map((f) => f ?? '').join('\n'));
  return { types, named, fields, key: h.digest('hex').slice(0, 16) };
}

/**
 * tree-sitter's id of an ERROR node (ts_builtin_sym_error, (TSSymbol)-1): it is not in the grammar's type table, so
 * ERROR subtrees are not copied; the id marks where the first syntax error is.
 */
export const ERROR_ID = 0xffff;

/** Node types whose children we never need (their text is read from the source). */
export const LEAF_TYPES = new Set(['string', 'comment', 'integer', 'float', 'identifier', 'escape_sequence']);

export function toPFile(file: string, text: string, tree: Tree): PFile {
  const { types, named, fields } = grammarTables(tree);
  const c = tree.walk();
  const root: PNode = { type: 'module', field: null, start: 0, end: text.length, children: [], parent: null };
  let errorAt: number | null = null;
  const hasError = tree.rootNode.hasError;
  // the cursor starts at the module node; walk its descendants. Anonymous tokens are leaves in this
  // grammar, so only kept (named) nodes are descended into and `parent` mirrors the cursor's parent.
  let parent = root;
  if (c.gotoFirstChild()) {
    for (;;) {
      const id = c.nodeTypeId;
      const type = types[id] ?? '';
      let node: PNode | null = null;
      if ((named[id] || type === 'async') && type !== 'comment') {
        node = { type, field: fields[c.currentFieldId] ?? null, start: c.startIndex, end: c.endIndex, children: [], parent };
        parent.children.push(node);
      }
      if (hasError && errorAt === null && (id === ERROR_ID || c.nodeIsMissing)) errorAt = c.startIndex;
      if (node && !LEAF_TYPES.has(type) && c.gotoFirstChild()) {
        parent = node;
        continue;
      }
      let done = false;
      while (!c.gotoNextSibling()) {
        if (parent === root || !c.gotoParent()) {
          done = true;
          break;
        }
        parent = parent.parent ?? root;
      }
      if (done) break;
    }
  }
  c.delete();
  if (hasError && errorAt === null) errorAt = 0;
  return { file, text, root, errorAt, lineStarts: lineStartsOf(text) };
}

export function lineStartsOf(text: string): number[] {
  const out = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    out.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return out;
}

function position(pf: PFile, index: number): { line: number; column: number } {
  const ls = pf.lineStarts;
  let lo = 0;
  let hi = ls.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ls[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - ls[lo]! + 1 };
}

export function locOf(pf: PFile, n: { start: number; end: number }): Location {
  const s = position(pf, n.start);
  const e = position(pf, n.end);
  return { file: pf.file, line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
}

export function lineOf(pf: PFile, index: number): number {
  return position(pf, index).line;
}

export function textOf(pf: PFile, n: PNode): string {
  return pf.text.slice(n.start, n.end);
}

export function child(n: PNode, field: string): PNode | undefined {
  for (const ch of n.children) if (ch.field === field) return ch;
  return undefined;
}

export function childrenOf(n: PNode, field: string): PNode[] {
  return n.children.filter((ch) => ch.field === field);
}

export function firstOfType(n: PNode, type: string): PNode | undefined {
  for (const ch of n.children) if (ch.type === type) return ch;
  return undefined;
}
