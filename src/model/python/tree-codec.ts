// A compact, transferable form of the light syntax tree (tree.ts): one Uint32Array of pre-order records,
// four words per node — typeId | fieldId << 16, start, end, childCount — plus the first error position.
// Ids index the grammar's own tables (GrammarTables); `tables` names the table the ids belong to, so a
// tree encoded with another grammar is refused instead of decoded into the wrong node types.
// Used by the fact cache (an encoded tree is stored per file, so a warm run skips the wasm parse) and by a
// parse worker (the array's buffer is transferred, not copied). Decoding only allocates the PNodes.
import type { Tree } from './parser.js';
import { ERROR_ID, grammarTables, lineStartsOf, LEAF_TYPES, type GrammarTables, type PFile, type PNode } from './tree.js';

export interface EncodedTree {
  /** 4 words per node, pre-order; record 0 is the module */
  nodes: Uint32Array;
  /** first ERROR / MISSING position, -1 when the parse had none */
  errorAt: number;
  /** GrammarTables.key of the ids in `nodes` */
  tables: string;
}

export class TreeCodecError extends Error {}

const WORDS = 4;

/** Grows a Uint32Array of records while a tree is walked. */
class Records {
  buf: Uint32Array;
  count = 0;
  constructor(estimate: number) {
    this.buf = new Uint32Array(Math.max(64, estimate) * WORDS);
  }
  push(typeId: number, fieldId: number, start: number, end: number): number {
    if ((this.count + 1) * WORDS > this.buf.length) {
      const next = new Uint32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const o = this.count * WORDS;
    this.buf[o] = typeId | (fieldId << 16);
    this.buf[o + 1] = start;
    this.buf[o + 2] = end;
    this.buf[o + 3] = 0;
    return this.count++;
  }
  addChild(index: number): void {
    this.buf[index * WORDS + 3]!++;
  }
  done(): Uint32Array {
    return this.buf.slice(0, this.count * WORDS);
  }
}

interface Ids {
  types: Map<string, number>;
  fields: Map<string | null, number>;
  /** grammar id -> the first id with the same name (aliases share a name), so one tree has one encoding */
  canonical: Uint16Array;
}
const idMaps = new WeakMap<GrammarTables, Ids>();

function idsOf(tables: GrammarTables): Ids {
  let m = idMaps.get(tables);
  if (!m) {
    const types = new Map<string, number>();
    const canonical = new Uint16Array(tables.types.length);
    tables.types.forEach((t, i) => {
      if (!types.has(t)) types.set(t, i);
      canonical[i] = types.get(t)!;
    });
    const fields = new Map<string | null, number>();
    tables.fields.forEach((f, i) => {
      if (!fields.has(f)) fields.set(f, i);
    });
    m = { types, fields, canonical };
    idMaps.set(tables, m);
  }
  return m;
}

/** Encode a light tree (tree.ts) with the grammar's tables. */
export function encodePFile(pf: PFile, tables: GrammarTables): EncodedTree {
  const ids = idsOf(tables);
  const rec = new Records(pf.text.length >> 3);
  const stack: PNode[] = [pf.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const typeId = ids.types.get(n.type);
    const fieldId = ids.fields.get(n.field);
    if (typeId === undefined || fieldId === undefined) throw new TreeCodecError(`node type ${n.type}/${n.field} is not in the grammar's tables`);
    const i = rec.push(typeId, fieldId, n.start, n.end);
    rec.buf[i * WORDS + 3] = n.children.length;
    for (let k = n.children.length - 1; k >= 0; k--) stack.push(n.children[k]!);
  }
  return { nodes: rec.done(), errorAt: pf.errorAt ?? -1, tables: tables.key };
}

/**
 * Encode straight from a tree-sitter tree, keeping exactly the nodes toPFile keeps (named nodes plus
 * `async`, no comments, no children under LEAF_TYPES). For a parse worker: no PNode is allocated.
 */
export function encodeTree(text: string, tree: Tree): EncodedTree {
  const tables = grammarTables(tree);
  const { types, named } = tables;
  const { canonical } = idsOf(tables);
  const rec = new Records(text.length >> 3);
  const moduleId = types.indexOf('module');
  rec.push(moduleId, 0, 0, text.length);
  const hasError = tree.rootNode.hasError;
  let errorAt = -1;
  const c = tree.walk();
  const parents: number[] = [0];
  let parent = 0;
  try {
    if (c.gotoFirstChild()) {
      for (;;) {
        const id = c.nodeTypeId;
        const type = types[id] ?? '';
        let node = -1;
        if ((named[id] || type === 'async') && type !== 'comment') {
          node = rec.push(canonical[id]!, c.currentFieldId, c.startIndex, c.endIndex);
          rec.addChild(parent);
        }
        if (hasError && errorAt === -1 && (id === ERROR_ID || c.nodeIsMissing)) errorAt = c.startIndex;
        if (node >= 0 && !LEAF_TYPES.has(type) && c.gotoFirstChild()) {
          parents.push(node);
          parent = node;
          continue;
        }
        let done = false;
        while (!c.gotoNextSibling()) {
          if (parents.length === 1 || !c.gotoParent()) {
            done = true;
            break;
          }
          parents.pop();
          parent = parents[parents.length - 1]!;
        }
        if (done) break;
      }
    }
  } finally {
    c.delete();
  }
  if (hasError && errorAt === -1) errorAt = 0;
  return { nodes: rec.done(), errorAt, tables: tables.key };
}

/**
 * The light tree back from its encoding. Throws TreeCodecError when the encoding belongs to other tables or
 * does not describe one well-formed tree over `text` (a damaged cache entry must never become a model).
 */
export function decodePFile(file: string, text: string, enc: EncodedTree, tables: GrammarTables): PFile {
  if (enc.tables !== tables.key) throw new TreeCodecError(`encoded with other grammar tables (${enc.tables}, expected ${tables.key})`);
  const a = enc.nodes;
  const count = a.length / WORDS;
  if (count < 1 || !Number.isInteger(count)) throw new TreeCodecError('empty or truncated tree');
  const { types, fields } = tables;
  const len = text.length;
  const make = (i: number, parent: PNode | null): PNode => {
    const o = i * WORDS;
    const w = a[o]!;
    const typeId = w & 0xffff;
    const fieldId = w >>> 16;
    const start = a[o + 1]!;
    const end = a[o + 2]!;
    if (typeId >= types.length || fieldId >= fields.length || start > end || end > len) throw new TreeCodecError(`bad record ${i}`);
    return { type: types[typeId]!, field: fields[fieldId] ?? null, start, end, children: [], parent };
  };
  const root = make(0, null);
  if (root.type !== 'module' || root.start !== 0 || root.end !== len) throw new TreeCodecError('the tree does not span the text');
  const stack: PNode[] = [root];
  const left: number[] = [a[3]!];
  for (let i = 1; i < count; i++) {
    while (left.length > 0 && left[left.length - 1] === 0) {
      left.pop();
      stack.pop();
    }
    if (left.length === 0) throw new TreeCodecError('records after the end of the tree');
    const parent = stack[stack.length - 1]!;
    left[left.length - 1]!--;
    const node = make(i, parent);
    parent.children.push(node);
    const kids = a[i * WORDS + 3]!;
    if (kids > 0) {
      stack.push(node);
      left.push(kids);
    }
  }
  if (left.some((k) => k !== 0)) throw new TreeCodecError('truncated tree');
  const errorAt = enc.errorAt;
  if (!Number.isInteger(errorAt) || errorAt < -1 || errorAt > len) throw new TreeCodecError('bad error position');
  return { file, text, root, errorAt: errorAt === -1 ? null : errorAt, lineStarts: lineStartsOf(text) };
}
