// The per-file fact cache (src/model/python/fact-cache.ts): the same audit cold, warm and without the cache; an edit
// (even one that keeps size and mtime) re-parses exactly the edited file; a damaged or foreign pack is ignored and
// rewritten; concurrent runs stay correct; --no-cache writes nothing; nothing is ever written inside the project.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { runAudit } from '../../src/engine/audit.js';
import { buildProjectModel } from '../../src/model/index.js';
import { FileLoader, readPython } from '../../src/model/python/index.js';
import { moduleNames } from '../../src/model/python/modules.js';
import { ensurePythonParser, parsePythonSync } from '../../src/model/python/parser.js';
import { emptyModel } from './helpers-python.js';
import { FactCache, factCacheStats, type FactCacheStats } from '../../src/model/python/fact-cache.js';
import { makeGrammarTables, toPFile } from '../../src/model/python/tree.js';
import type { AuditResult } from '../../src/engine/types.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';
import { jobctl, show } from '../support/cli.js';

let cacheHome = '';
const savedEnv = process.env.JOBCTL_CACHE_DIR;
before(() => {
  cacheHome = mkdtempSync(path.join(tmpdir(), 'jobctl-factcache-'));
  process.env.JOBCTL_CACHE_DIR = cacheHome;
});
after(() => {
  if (savedEnv === undefined) delete process.env.JOBCTL_CACHE_DIR;
  else process.env.JOBCTL_CACHE_DIR = savedEnv;
  removeDir(cacheHome);
});

/** The result without its timings (the only part that may differ between two reads). */
function stable(r: AuditResult | string): string {
  const obj = typeof r === 'string' ? JSON.parse(r) as unknown : r;
  return JSON.stringify(obj, (k, v: unknown) => (k === 'durationMs' || k === 'timings' ? undefined : v), 1);
}

async function model(dir: string, cache = true): Promise<{ stats: FactCacheStats }> {
  const m = await buildProjectModel(dir, { cache });
  return { stats: factCacheStats(m)! };
}

/** Every file of a folder with its size and mtime: proof that nothing was written there. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      const s = statSync(path.join(dir, r));
      if (e.isDirectory()) {
        out.push(`${r}/ ${s.mtimeMs}`);
        walk(r);
      } else out.push(`${r} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk('');
  return out.sort();
}

function packOf(dir: string): string {
  const c = FactCache.open(path.resolve(dir));
  return path.join(c.dir, readdirSync(c.dir).find((f) => f.endsWith('.pack') && readHeader(path.join(c.dir, f)).root === path.resolve(dir))!);
}

interface PackHeader { root: string; jobctl: string; grammar: string; tables: { types: string[]; named: boolean[]; fields: (string | null)[]; key: string }; entries: [string, string, number, number, number, number][] }

function readHeader(file: string): PackHeader {
  const b = readFileSync(file);
  return JSON.parse(b.toString('utf8', 24, 24 + b.readUInt32LE(20))) as PackHeader;
}

/** Rewrite a pack's header (keeping its records), with a correct length and checksum: a well-formed foreign pack. */
function rewriteHeader(file: string, change: (h: PackHeader) => void): void {
  const b = readFileSync(file);
  const hlen = b.readUInt32LE(20);
  const data = b.subarray((24 + hlen + 3) & ~3);
  const h = readHeader(file);
  change(h);
  const json = Buffer.from(JSON.stringify(h));
  const start = (24 + json.length + 3) & ~3;
  const out = Buffer.alloc(start + data.length);
  b.copy(out, 0, 0, 12);
  out.writeUInt32LE(out.length, 12);
  out.writeUInt32LE(json.length, 20);
  json.copy(out, 24);
  data.copy(out, start);
  out.writeUInt32LE(crc32(out.subarray(20)), 16);
  writeFileSync(file, out);
}

const MTIME = 1_700_000_000;

/** A small project: two eager files, a helper only task code reaches (parsed lazily), a file nothing reads. */
function smallProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-factcache-proj-'));
  const w = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
    utimesSync(path.join(dir, rel), MTIME, MTIME); // whole seconds: an edit can put the very same mtime back
  };
  w('requirements.txt', 'celery==5.3.6\nredis==5.0.1\n');
  w('proj/__init__.py', '');
  w('proj/app.py', "from celery import Celery\n\napp = Celery('proj', broker='redis://localhost:6379/0')\n");
  w('proj/tasks.py', 'from proj.app import app\nfrom proj.helpers import compute\n\n\n@app.task\ndef add(x):\n    return compute(x)\n');
  w('proj/helpers.py', 'import time\n\n\ndef compute(x):\n    time.sleep(1)\n    return x + 1\n');
  w('proj/other.py', 'def unrelated():\n    return 41\n');
  return dir;
}

/** Change `from` to `to` (same length) and put the old mtime back: only the content hash can notice. */
function editKeepingSizeAndMtime(file: string, from: string, to: string): void {
  assert.equal(from.length, to.length);
  const before = statSync(file);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from));
  writeFileSync(file, text.replace(from, to));
  utimesSync(file, MTIME, MTIME);
  assert.equal(before.mtimeMs, MTIME * 1000);
  const now = statSync(file);
  assert.equal(now.size, before.size);
  assert.equal(now.mtimeMs, before.mtimeMs);
}

test('fixtures: the same audit cold, warm and without the cache', async () => {
  for (const name of ['celery-subclass', 'flask-config', 'django-namespace', 'event-loop-dataflow', 'mixed-config', 'task-shapes']) {
    const dir = checkoutFixture(name);
    try {
      const before = snapshot(dir);
      const none = await runAudit(dir);
      const cold = await runAudit(dir, { cache: true });
      const warm = await runAudit(dir, { cache: true });
      assert.equal(stable(cold), stable(none), `${name}: cold`);
      assert.equal(stable(warm), stable(none), `${name}: warm`);
      const { stats } = await model(dir);
      assert.equal(stats.pack, 'loaded', name);
      assert.deepEqual(stats.parsed, [], `${name}: a warm read parses nothing`);
      assert.ok(stats.treeHits > 0 && stats.verdictHits > 0, `${name}: ${JSON.stringify(stats)}`);
      assert.deepEqual(snapshot(dir), before, `${name}: nothing written inside the project`);
    } finally {
      removeDir(dir);
    }
  }
});

test('a PyPI corpus project: the same audit cold, warm and without the cache', async (t) => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'corpus-fetch.mjs'), 'pretalx'], { encoding: 'utf8' });
  const dir = path.join(repoRoot, '.cache', 'corpus', 'src', 'pretalx-2025.2.2');
  if (!existsSync(path.join(dir, '.jobctl-corpus-complete'))) return t.skip(`pretalx could not be downloaded: ${r.stderr.slice(-300)}`);
  const before = snapshot(dir);
  const none = await runAudit(dir);
  const cold = await runAudit(dir, { cache: true });
  const warm = await runAudit(dir, { cache: true });
  assert.ok(none.findings.length > 0);
  assert.equal(stable(cold), stable(none), 'cold');
  assert.equal(stable(warm), stable(none), 'warm');
  const { stats } = await model(dir);
  assert.deepEqual(stats.parsed, []);
  assert.ok(stats.treeHits > 20, JSON.stringify(stats));
  assert.deepEqual(snapshot(dir), before, 'nothing written inside the project');
});

test('an edit with the same size and mtime re-parses exactly that file; a deleted file leaves the pack', async () => {
  const dir = smallProject();
  try {
    const cold = await model(dir);
    assert.deepEqual([...cold.stats.parsed].sort(), ['proj/app.py', 'proj/helpers.py', 'proj/tasks.py']);
    assert.equal(cold.stats.write, 'written');
    const warm = await model(dir);
    assert.deepEqual(warm.stats.parsed, []);
    assert.equal(warm.stats.treeHits, 3);
    assert.equal(warm.stats.write, 'unchanged', 'an unchanged project does not rewrite the pack');

    // a helper only task code reaches (not picked by the pre-filter)
    editKeepingSizeAndMtime(path.join(dir, 'proj/helpers.py'), 'time.sleep(1)', 'time.sleep(9)');
    const edited = await model(dir);
    assert.deepEqual(edited.stats.parsed, ['proj/helpers.py']);
    assert.equal(edited.stats.treeHits, 2);
    assert.equal(stable(await runAudit(dir, { cache: true })), stable(await runAudit(dir)), 'after the edit: same audit as without the cache');

    // an eager file
    editKeepingSizeAndMtime(path.join(dir, 'proj/tasks.py'), 'return compute(x)', 'return compute(1)');
    const again = await model(dir);
    assert.deepEqual(again.stats.parsed, ['proj/tasks.py']);
    assert.equal(stable(await runAudit(dir, { cache: true })), stable(await runAudit(dir)));

    const pack = packOf(dir);
    assert.ok(readHeader(pack).entries.some((e) => e[0] === 'proj/other.py'));
    rmSync(path.join(dir, 'proj/other.py'));
    const deleted = await model(dir);
    assert.equal(deleted.stats.write, 'written');
    assert.deepEqual(readHeader(pack).entries.map((e) => e[0]), ['proj/__init__.py', 'proj/app.py', 'proj/helpers.py', 'proj/tasks.py']);
  } finally {
    removeDir(dir);
  }
});

test('a damaged, truncated or foreign pack is ignored and rewritten, never trusted', async () => {
  const dir = smallProject();
  try {
    const want = stable(await runAudit(dir));
    await model(dir);
    const pack = packOf(dir);
    const good = readFileSync(pack);
    const cases: [string, () => void, RegExp][] = [
      ['truncated', () => writeFileSync(pack, good.subarray(0, good.length - 7)), /truncated/],
      ['a flipped bit', () => { const b = Buffer.from(good); b[b.length - 5]! ^= 0x10; writeFileSync(pack, b); }, /checksum/],
      ['not a pack', () => writeFileSync(pack, 'garbage, not a pack at all'), /not a jobctl facts pack/],
      ['empty', () => writeFileSync(pack, ''), /not a jobctl facts pack/],
      ['another jobctl version', () => rewriteHeader(pack, (h) => { h.jobctl = '0.0.0-other'; }), /written by jobctl 0\.0\.0-other/],
      ['another grammar', () => rewriteHeader(pack, (h) => { h.grammar = 'another'; }), /another tree-sitter grammar/],
      ['tables that do not match their key', () => rewriteHeader(pack, (h) => { h.tables.types = [...h.tables.types].reverse(); }), /tables do not match/],
      ['a row outside the records', () => rewriteHeader(pack, (h) => { const e = h.entries.find((x) => x[3] >= 0)!; e[3] += 1_000_000; }), /outside the records/],
    ];
    for (const [what, damage, why] of cases) {
      writeFileSync(pack, good);
      damage();
      const { stats } = await model(dir);
      assert.match(stats.pack, why, what);
      assert.equal(stats.write, 'written', `${what}: rewritten`);
      assert.equal(stats.parsed.length, 3, `${what}: every file parsed again`);
      writeFileSync(pack, good);
      damage();
      assert.equal(stable(await runAudit(dir, { cache: true })), want, `${what}: same audit`);
      assert.equal((await model(dir)).stats.pack, 'loaded', `${what}: the rewritten pack is used`);
    }

    // well-formed tables of another grammar (consistent with their key): trees are not decoded with them
    writeFileSync(pack, good);
    rewriteHeader(pack, (h) => {
      const t = makeGrammarTables([...h.tables.types].reverse(), [...h.tables.named].reverse(), h.tables.fields);
      h.tables = { types: [...t.types], named: [...t.named], fields: [...t.fields], key: t.key };
    });
    const foreign = await model(dir);
    assert.equal(foreign.stats.treeHits, 0);
    assert.equal(foreign.stats.parsed.length, 3);
    assert.equal(stable(await runAudit(dir, { cache: true })), want);

    // a pack written by another jobctl version, through the cache's own writer
    const other = FactCache.open(dir, { version: '9.9.9' });
    const files = ['proj/__init__.py', 'proj/app.py', 'proj/helpers.py', 'proj/other.py', 'proj/tasks.py'].map((f) => ({ file: f, kind: 'python' as const, text: readFileSync(path.join(dir, f), 'utf8') }));
    const m = await buildProjectModel(dir);
    await readPython(files, { ...m, tasks: [], functions: [], apps: [], configSources: [], notes: [] }, { cache: other });
    assert.equal(other.stats.write, 'written');
    assert.equal(readHeader(pack).jobctl, '9.9.9');
    assert.match((await model(dir)).stats.pack, /written by jobctl 9\.9\.9/);
  } finally {
    removeDir(dir);
  }
});

test('CLI: a warm run never loads the grammar; an edited lazily-read file is parsed alone; concurrent runs; --no-cache writes nothing', async () => {
  const dir = smallProject();
  const home = mkdtempSync(path.join(tmpdir(), 'jobctl-factcache-cli-'));
  const env = { JOBCTL_CACHE_DIR: home, JOBCTL_DEBUG: 'cache' };
  const stats = (r: { stderr: string }): FactCacheStats & { grammarLoaded: boolean } => {
    const line = r.stderr.split('\n').find((l) => l.startsWith('jobctl: fact cache '));
    assert.ok(line, r.stderr);
    return JSON.parse(line.slice('jobctl: fact cache '.length)) as FactCacheStats & { grammarLoaded: boolean };
  };
  try {
    const before = snapshot(dir);
    const args = ['audit', dir, '--json', '--exit-zero'];
    const none = await jobctl([...args, '--no-cache'], { env });
    assert.equal(none.code, 0, show(none));
    assert.ok(!none.stderr.includes('fact cache'), '--no-cache reads no cache');
    assert.deepEqual(readdirSync(home), [], '--no-cache writes nothing (no fact cache, no compile cache)');

    // two cold runs at once, then a warm one: all give the audit of a run without the cache
    const [a, b] = await Promise.all([jobctl(args, { env }), jobctl(args, { env })]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, show(r));
      assert.equal(stable(r.stdout), stable(none.stdout));
    }
    const warm = await jobctl(args, { env });
    assert.equal(stable(warm.stdout), stable(none.stdout));
    const ws = stats(warm);
    assert.equal(ws.pack, 'loaded');
    assert.deepEqual(ws.parsed, []);
    assert.equal(ws.grammarLoaded, false, 'every parse a hit: the wasm grammar is never loaded');

    // the helper is read only because task code reaches it; it was parsed last time, so the grammar is loaded up front
    editKeepingSizeAndMtime(path.join(dir, 'proj/helpers.py'), 'return x + 1', 'return x + 2');
    const edited = await jobctl(args, { env });
    const es = stats(edited);
    assert.deepEqual(es.parsed, ['proj/helpers.py']);
    assert.equal(es.restarted, false);
    assert.equal(es.grammarLoaded, true);
    const noneEdited = await jobctl([...args, '--no-cache'], { env });
    assert.equal(stable(edited.stdout), stable(noneEdited.stdout));

    // concurrent warm runs while one of them rewrites the pack
    editKeepingSizeAndMtime(path.join(dir, 'proj/app.py'), "Celery('proj'", "Celery('PROJ'");
    const noneApp = await jobctl([...args, '--no-cache'], { env });
    const runs = await Promise.all([jobctl(args, { env }), jobctl(args, { env }), jobctl(args, { env })]);
    for (const r of runs) assert.equal(stable(r.stdout), stable(noneApp.stdout), show(r));
    assert.equal(stats(await jobctl(args, { env })).pack, 'loaded');
    assert.equal(readdirSync(path.join(home, 'facts')).filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary file left');

    // nothing of the cache inside the project
    const now = snapshot(dir).filter((l) => !/^proj\/(helpers|app)\.py /.test(l));
    assert.deepEqual(now, before.filter((l) => !/^proj\/(helpers|app)\.py /.test(l)));
  } finally {
    removeDir(dir);
    removeDir(home);
  }
});

test('CLI: a deploy-file change that makes the linker reach an unparsed module starts the read over with the grammar', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-factcache-dj-'));
  const home = mkdtempSync(path.join(tmpdir(), 'jobctl-factcache-cli-'));
  const env = { JOBCTL_CACHE_DIR: home, JOBCTL_DEBUG: 'cache' };
  try {
    mkdirSync(path.join(dir, 'proj'));
    writeFileSync(path.join(dir, 'requirements.txt'), 'celery==5.3.6\ndjango==4.2\n');
    writeFileSync(path.join(dir, 'proj/__init__.py'), '');
    writeFileSync(path.join(dir, 'proj/celery.py'), "from celery import Celery\n\napp = Celery('proj')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n");
    writeFileSync(path.join(dir, 'proj/settings_a.py'), "DEBUG = True\nTIME_ZONE = 'UTC'\n");
    writeFileSync(path.join(dir, 'proj/settings_b.py'), "DEBUG = False\nTIME_ZONE = 'Europe/Paris'\n");
    const args = ['audit', dir, '--json', '--exit-zero'];
    const stats = (r: { stderr: string }): FactCacheStats & { grammarLoaded: boolean } => JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('jobctl: fact cache '))!.slice(19)) as FactCacheStats & { grammarLoaded: boolean };
    writeFileSync(path.join(dir, '.env'), 'DJANGO_SETTINGS_MODULE=proj.settings_a\n');
    assert.deepEqual(stats(await jobctl(args, { env })).parsed, ['proj/celery.py', 'proj/settings_a.py']);
    assert.equal(stats(await jobctl(args, { env })).grammarLoaded, false);
    writeFileSync(path.join(dir, '.env'), 'DJANGO_SETTINGS_MODULE=proj.settings_b\n');
    const switched = await jobctl(args, { env });
    const s = stats(switched);
    assert.deepEqual(s.parsed, ['proj/settings_b.py']);
    assert.equal(s.restarted, true);
    const none = await jobctl([...args, '--no-cache'], { env });
    assert.equal(stable(switched.stdout), stable(none.stdout));
  } finally {
    removeDir(dir);
    removeDir(home);
  }
});

test('a tree parsed elsewhere (a parse worker) is kept like one parsed here', async () => {
  const dir = smallProject();
  try {
    const files = ['proj/app.py', 'proj/tasks.py'].map((f) => ({ file: f, kind: 'python' as const, text: readFileSync(path.join(dir, f), 'utf8') }));
    await ensurePythonParser();
    const first = FactCache.open(dir);
    const loader = new FileLoader(files, moduleNames(files.map((f) => f.file)), emptyModel(dir), first);
    const tree = parsePythonSync(files[0]!.text);
    const pf = toPFile(files[0]!.file, files[0]!.text, tree);
    tree.delete();
    assert.ok(loader.load(files[0]!.file, pf));
    assert.deepEqual(first.stats.parsed, ['proj/app.py'], 'counted as parsed in this run');
    first.save(files);
    const second = FactCache.open(dir);
    assert.ok(second.hasTree(files[0]!.file, files[0]!.text));
    assert.ok(!second.hasTree(files[1]!.file, files[1]!.text));
  } finally {
    removeDir(dir);
  }
});

test('a cache folder inside the project is not used', async () => {
  const dir = smallProject();
  const saved = process.env.JOBCTL_CACHE_DIR;
  try {
    process.env.JOBCTL_CACHE_DIR = path.join(dir, 'cachehere');
    const before = snapshot(dir);
    const { stats } = await model(dir);
    assert.equal(stats.write, 'disabled');
    assert.deepEqual(snapshot(dir), before);
  } finally {
    process.env.JOBCTL_CACHE_DIR = saved;
    removeDir(dir);
  }
});
