// Python parsing with tree-sitter's Python grammar (WebAssembly, no native build needed).
// The grammar is loaded once per process, on first use, so commands that never read Python
// (e.g. `jobctl rules`) do not pay for it.
import { createRequire } from 'node:module';
import type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

export type { SyntaxNode, Tree };

let parserPromise: Promise<import('web-tree-sitter').Parser> | null = null;
let loadedParser: import('web-tree-sitter').Parser | null = null;

async function loadParser(): Promise<import('web-tree-sitter').Parser> {
  const { Parser, Language } = await import('web-tree-sitter');
  const require = createRequire(import.meta.url);
  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** Load the grammar (once per process); afterwards parsePythonSync can be used. */
export async function ensurePythonParser(): Promise<void> {
  parserPromise ??= loadParser();
  loadedParser = await parserPromise;
}

/** Whether the grammar is loaded (parsePythonSync can be used). */
export function pythonParserLoaded(): boolean {
  return loadedParser !== null;
}

/** Parse Python source. Never throws on bad syntax: tree-sitter returns a tree with ERROR nodes. */
export async function parsePython(text: string): Promise<Tree> {
  await ensurePythonParser();
  return parsePythonSync(text);
}

/**
 * Synchronous parse, for files read lazily while linking (the linker resolves names synchronously).
 * Needs ensurePythonParser() first. The caller owns the tree and must delete() it.
 */
export function parsePythonSync(text: string): Tree {
  if (!loadedParser) throw new Error('Python parser not loaded: await ensurePythonParser() first');
  const tree = loadedParser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** 1-based line/column of a node start (tree-sitter positions are 0-based). */
export function nodeLocation(file: string, node: SyntaxNode): { file: string; line: number; column: number; endLine: number; endColumn: number } {
  return {
    file,
    line: node.startPosition.row + 1,
    column: node.startPosition.column + 1,
    endLine: node.endPosition.row + 1,
    endColumn: node.endPosition.column + 1,
  };
}
