// YAML helpers shared by the compose and Kubernetes readers: positions, and key lookup that follows
// `<<: *anchor` merges (a merged key's node keeps the line where the anchor defines it).
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Location, WorkerCommand } from '../types.js';
import { locateInvocationLines } from './text.js';

export function locOf(file: string, lc: LineCounter, node: Node | null | undefined, fallback: Location): Location {
  const start = node?.range?.[0];
  if (start === undefined) return fallback;
  const p = lc.linePos(start);
  // `command: >` / `|`: the text starts on the line after the block header
  if (isScalar(node) && (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL')) return { file, line: p.line + 1, column: 1 };
  return { file, line: p.line, column: p.col };
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || typeof key.value === 'symbol');
}

/** map[key] as a node, looking through `<<` merges (direct keys win, then merge sources in order). */
export function getMerged(doc: Document, map: YAMLMap, key: string, depth = 0): Node | undefined {
  for (const p of map.items as Pair<Node, Node>[]) if (isScalar(p.key) && p.key.value === key) return p.value ?? undefined;
  if (depth > 8) return undefined;
  for (const p of map.items as Pair<Node, Node>[]) {
    if (!isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? (p.value.items as Node[]) : [p.value];
    for (const s of sources) {
      const n = isAlias(s) ? (s.resolve(doc) as Node | undefined) : s;
      if (isMap(n)) {
        const r = getMerged(doc, n, key, depth + 1);
        if (r !== undefined) return r;
      }
    }
  }
  return undefined;
}

/** the entries of a map with merges applied: [key, value node] (direct keys win) */
export function mergedEntries(doc: Document, map: YAMLMap, depth = 0): [string, Node | undefined][] {
  const out = new Map<string, Node | undefined>();
  for (const p of map.items as Pair<Node, Node>[]) if (isScalar(p.key) && !isMergeKey(p.key)) out.set(String(p.key.value), p.value ?? undefined);
  if (depth <= 8) {
    for (const p of map.items as Pair<Node, Node>[]) {
      if (!isMergeKey(p.key)) continue;
      const sources = isSeq(p.value) ? (p.value.items as Node[]) : [p.value];
      for (const s of sources) {
        const n = isAlias(s) ? (s.resolve(doc) as Node | undefined) : s;
        if (!isMap(n)) continue;
        for (const [k, v] of mergedEntries(doc, n, depth + 1)) if (!out.has(k)) out.set(k, v);
      }
    }
  }
  return [...out];
}

/** a node with an alias resolved */
export function deref(doc: Document, n: Node | undefined): Node | undefined {
  return isAlias(n) ? (n.resolve(doc) as Node | undefined) : n;
}

/**
 * Workers parsed from command/args nodes written over several lines (`command: >` / `|`, a flow list): each points at
 * the line holding its `celery … <subcommand>`, not at the first line of the scalar.
 */
export function locateInvocations(found: WorkerCommand[], text: string, lc: LineCounter, nodes: (Node | null | undefined)[]): void {
  const ends = nodes.map((n) => n?.range?.[1]).filter((e): e is number => e !== undefined && e > 0);
  // the value's last character (a block scalar's range ends after its final newline)
  if (ends.length > 0) locateInvocationLines(found, text, lc.linePos(Math.max(...ends) - 1).line);
}
