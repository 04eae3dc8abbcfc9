// The compact tree codec (src/model/python/tree-codec.ts): an encoded tree decodes back into exactly the light
// tree toPFile makes (types, fields, offsets, children, parent pointers, error position), whether it was
// encoded from that tree or straight from tree-sitter's; and a foreign or damaged encoding is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensurePythonParser, parsePythonSync } from '../../src/model/python/parser.js';
import { grammarTables, makeGrammarTables, toPFile, type GrammarTables, type PFile, type PNode } from '../../src/model/python/tree.js';
import { decodePFile, encodePFile, encodeTree, TreeCodecError } from '../../src/model/python/tree-codec.js';
import { fixturesDir, repoRoot } from '../support/fixtures.js';

function pyFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) pyFiles(p, out);
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

/** The tree as plain rows (identity-free); checks every child's parent pointer on the way. */
function flatten(pf: PFile): unknown[] {
  const rows: unknown[] = [pf.file, pf.errorAt, pf.lineStarts.join(',')];
  const stack: { n: PNode; parentRow: number }[] = [{ n: pf.root, parentRow: -1 }];
  while (stack.length > 0) {
    const { n, parentRow } = stack.pop()!;
    const row = rows.length;
    rows.push([n.type, n.field, n.start, n.end, n.children.length, parentRow]);
    for (const c of n.children) assert.equal(c.parent, n, `${pf.file}: parent pointer of ${c.type}@${c.start}`);
    for (let k = n.children.length - 1; k >= 0; k--) stack.push({ n: n.children[k]!, parentRow: row });
  }
  return rows;
}

function parse(file: string, text: string): { pf: PFile; fromTree: ReturnType<typeof encodeTree>; tables: GrammarTables } {
  const tree = parsePythonSync(text);
  try {
    return { pf: toPFile(file, text, tree), fromTree: encodeTree(text, tree), tables: grammarTables(tree) };
  } finally {
    tree.delete();
  }
}

function roundTrip(files: string[]): number {
  let nodes = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const { pf, fromTree, tables } = parse(f, text);
    const want = flatten(pf);
    const enc = encodePFile(pf, tables);
    assert.deepEqual(flatten(decodePFile(f, text, enc, tables)), want, `${f}: decode(encodePFile(toPFile))`);
    assert.deepEqual(fromTree.nodes, enc.nodes, `${f}: encodeTree and encodePFile agree`);
    assert.equal(fromTree.errorAt, enc.errorAt, f);
    nodes += enc.nodes.length / 4;
  }
  return nodes;
}

test('every fixture .py file round-trips through the codec', async () => {
  await ensurePythonParser();
  const files = pyFiles(fixturesDir);
  assert.ok(files.length > 100, 'fixtures hold Python files');
  roundTrip(files);
});

test('syntax errors, unicode, async and empty files round-trip with their error position', async () => {
  await ensurePythonParser();
  const samples = ['', 'x = 1\n', 'def f(:\n    pass\n', 'async def g():\n    async with a as b:\n        await c  # ü\n', 's = "é😀" + f"{x!r:>{w}}"\nclass C(\n', 'if x\n  y = (1,\n'];
  for (const [i, text] of samples.entries()) {
    const { pf, fromTree, tables } = parse(`s${i}.py`, text);
    const back = decodePFile(`s${i}.py`, text, encodePFile(pf, tables), tables);
    assert.deepEqual(flatten(back), flatten(pf), JSON.stringify(text));
    assert.deepEqual(flatten(decodePFile(`s${i}.py`, text, fromTree, tables)), flatten(pf), JSON.stringify(text));
  }
  assert.notEqual(parse('e.py', 'def f(:\n').pf.errorAt, null, 'a syntax error has a position');
});

test('big real files round-trip (PyPI corpus, real checkouts when present)', async (t) => {
  await ensurePythonParser();
  const roots = [path.join(repoRoot, '.cache', 'corpus', 'src'), '/work/real/saleor+saleor@723cd4eba8/saleor'].filter((d) => existsSync(d));
  if (roots.length === 0) return t.skip('no corpus download and no real checkout here');
  const big = roots.flatMap((r) => pyFiles(r)).map((f) => ({ f, size: statSync(f).size })).filter((x) => x.size < 2 * 1024 * 1024).sort((a, b) => b.size - a.size).slice(0, 8).map((x) => x.f);
  const nodes = roundTrip(big);
  assert.ok(nodes > 50_000, `${nodes} nodes in the biggest files`);
});

test('a foreign, truncated or damaged encoding is refused, never decoded', async () => {
  await ensurePythonParser();
  const text = 'import celery\napp = celery.Celery("x")\n\n@app.task\ndef add(a, b):\n    return a + b\n';
  const { pf, tables } = parse('t.py', text);
  const enc = encodePFile(pf, tables);
  const other = makeGrammarTables([...tables.types].reverse(), [...tables.named].reverse(), tables.fields);
  assert.notEqual(other.key, tables.key);
  assert.throws(() => decodePFile('t.py', text, enc, other), TreeCodecError);
  assert.throws(() => decodePFile('t.py', text, { ...enc, nodes: enc.nodes.slice(0, enc.nodes.length - 4) }, tables), TreeCodecError);
  assert.throws(() => decodePFile('t.py', text, { ...enc, nodes: enc.nodes.slice(0, 6) }, tables), TreeCodecError);
  assert.throws(() => decodePFile('t.py', text.slice(0, 10), enc, tables), TreeCodecError, 'another text');
  const bad = enc.nodes.slice();
  bad[4 * 3] = 0xffff; // an unknown type id
  assert.throws(() => decodePFile('t.py', text, { ...enc, nodes: bad }, tables), TreeCodecError);
  const extra = new Uint32Array(enc.nodes.length + 4);
  extra.set(enc.nodes);
  extra.set([enc.nodes[4]!, 0, 1, 0], enc.nodes.length);
  assert.throws(() => decodePFile('t.py', text, { ...enc, nodes: extra }, tables), TreeCodecError, 'records after the tree');
});

test('the first syntax error is placed at its ERROR node, not at the top of the file', async () => {
  await ensurePythonParser();
  const text = 'x = 1\ny = foo(\nclass A:\n  z = 3 +* 2\n';
  const { pf, fromTree } = parse('e.py', text);
  assert.equal(pf.errorAt, text.indexOf('y = foo'), 'line 2, where the unclosed call starts');
  assert.equal(fromTree.errorAt, pf.errorAt);
});
