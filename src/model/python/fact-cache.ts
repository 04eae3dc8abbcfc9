// The per-file cache between runs: for each Python file of a project, the pre-filter's verdict (prefilter.ts) and,
// for files that were parsed, the encoded syntax tree (tree-codec.ts). A warm run skips the regex pass and the wasm
// parse of every unchanged file, and never loads the grammar when every parse is a hit.
//
// One pack per project root, `<cache>/facts/<hash of the root>.pack`, outside the project. Binary layout:
//   "JCFACTS1" | u32 byte-order mark | u32 total length | u32 crc32 of the rest | u32 header length | header JSON
//   | padding to 4 | tree records (Uint32, native order)
// The header names the format, jobctl's version, a stamp of the code that makes verdicts and trees, a hash of the
// grammar's wasm files, the root, the grammar's type/field tables, and one row per file:
//   [path, content hash, eager verdict (1/0/-1 unknown), first record, record words, error position].
// An entry is used only when the file's text hashes to the same sha256 (so an edit with the same size and mtime
// still misses). A pack that is short, has another magic, length or checksum, another version, stamp, grammar or
// root, or a row pointing outside the records, is ignored as a whole and rewritten.
//
// Concurrency: a pack is read in one read and written to a temporary file in the same folder that is renamed
// over it, so a reader sees an old or a new pack, never a partial one; two runs that both write leave one of
// their (both valid) packs. It is rewritten only when something changed; entries of deleted files are dropped.
// The folder is kept under MAX_TOTAL_BYTES by deleting the least recently written packs.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { cacheRoot } from '../../util/cache-dir.js';
import { TOOL_VERSION } from '../../util/version.js';
import { parsePythonSync, pythonParserLoaded } from './parser.js';
import { grammarTables, knownGrammarTables, makeGrammarTables, toPFile, type GrammarTables, type PFile } from './tree.js';
import { decodePFile, encodePFile, TreeCodecError, type EncodedTree } from './tree-codec.js';

const MAGIC = 'JCFACTS1';
const FORMAT = 1;
const BOM = 0x01020304;
const FIXED = 24; // magic 8 + bom 4 + length 4 + crc 4 + header length 4
/** one project's pack: past this, trees of further files are not stored (verdicts still are) */
const MAX_PACK_BYTES = 128 * 1024 * 1024;
/** the whole facts folder */
const MAX_TOTAL_BYTES = 512 * 1024 * 1024;

type Row = [path: string, hash: string, eager: number, offset: number, words: number, errorAt: number];

interface Header {
  format: number;
  jobctl: string;
  code: string;
  grammar: string;
  root: string;
  tables: { types: string[]; named: boolean[]; fields: (string | null)[]; key: string };
  entries: Row[];
}

interface Entry {
  hash: string;
  eager: number;
  tree: Uint32Array | null;
  errorAt: number;
}

export interface FactCacheStats {
  /** what became of the pack on disk: 'none' (no pack yet), 'loaded', or 'ignored: <why>' */
  pack: string;
  /** files whose verdict came from the cache */
  verdictHits: number;
  /** files whose tree came from the cache */
  treeHits: number;
  /** files parsed with tree-sitter in this run, in order */
  parsed: string[];
  /** whether the read started over to load the grammar for a file the linker reached and the cache lacked */
  restarted: boolean;
  /** whether the pack was rewritten, or why not */
  write: 'written' | 'unchanged' | 'disabled' | `failed: ${string}`;
}

export interface FactCacheOptions {
  /** the facts folder (default: <jobctl cache>/facts) */
  dir?: string;
  /** jobctl's version as recorded in the pack (tests write a pack of another version with it) */
  version?: string;
}

/** The folder packs live in: $JOBCTL_CACHE_DIR/facts or ~/.cache/jobctl/facts. */
export function factsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'facts');
}

let stampMemo: { code: string; grammar: string } | null = null;

/** What the cached verdicts and trees depend on besides the text: the code that makes them and the grammar. */
function stamps(): { code: string; grammar: string } {
  if (stampMemo) return stampMemo;
  const h = createHash('sha256');
  for (const f of ['./prefilter.js', './tree.js', './tree-codec.js', './fact-cache.js']) {
    try {
      h.update(readFileSync(new URL(f, import.meta.url)));
    } catch {
      h.update(`${f}?`);
    }
  }
  // the grammar: the two wasm files themselves (a grammar rebuilt under the same version is another grammar)
  const require = createRequire(import.meta.url);
  const g = createHash('sha256');
  for (const entry of ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm']) {
    try {
      g.update(readFileSync(require.resolve(entry)));
    } catch {
      g.update(`${entry}?`); // not installed: the parser will say so
    }
  }
  stampMemo = { code: h.digest('base64url').slice(0, 22), grammar: g.digest('base64url').slice(0, 22) };
  return stampMemo;
}

function hashText(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export class FactCache {
  readonly stats: FactCacheStats = { pack: 'none', verdictHits: 0, treeHits: 0, parsed: [], restarted: false, write: 'unchanged' };
  private readonly file: string;
  private readonly version: string;
  private old = new Map<string, Entry>();
  private oldTables: GrammarTables | null = null;
  private liveTables: GrammarTables | null = null;
  private hashes = new Map<string, string>();
  private verdicts = new Map<string, boolean>();
  private trees = new Map<string, { enc: EncodedTree; hash: string }>();
  private dirty = false;
  private disabled = false;

  private constructor(private readonly root: string, readonly dir: string, opts: FactCacheOptions) {
    this.version = opts.version ?? TOOL_VERSION;
    this.file = path.join(dir, `${createHash('sha256').update(root).digest('hex').slice(0, 24)}.pack`);
  }

  /** The cache of the project at `root` (an absolute path). Never throws: an unusable pack is an empty cache. */
  static open(root: string, opts: FactCacheOptions = {}): FactCache {
    let dir: string;
    try {
      dir = path.resolve(opts.dir ?? factsDir());
    } catch (err) {
      // no home folder to put it in (os.homedir() throws): a run without a cache
      const c = new FactCache(path.resolve(root), '', opts);
      c.disabled = true;
      c.stats.write = 'disabled';
      c.stats.pack = `ignored: no cache folder (${(err as Error).message})`;
      return c;
    }
    const c = new FactCache(path.resolve(root), dir, opts);
    const rel = path.relative(c.root, dir);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      // a cache folder inside the project would be written into the user's repository
      c.disabled = true;
      c.stats.write = 'disabled';
      c.stats.pack = 'ignored: the cache folder is inside the project';
      return c;
    }
    c.load();
    return c;
  }

  private load(): void {
    let buf: Buffer;
    try {
      buf = readFileSync(this.file);
    } catch {
      this.dirty = true;
      return;
    }
    const why = this.parse(buf);
    if (why) {
      this.old.clear();
      this.oldTables = null;
      this.stats.pack = `ignored: ${why}`;
      this.dirty = true;
    } else this.stats.pack = 'loaded';
  }

  /** Fills `old` from a pack; the reason it cannot be trusted, or null. */
  private parse(buf: Buffer): string | null {
    if (buf.length < FIXED || buf.toString('latin1', 0, 8) !== MAGIC) return 'not a jobctl facts pack';
    if (buf.readUInt32LE(8) !== BOM && buf.readUInt32BE(8) === BOM) return 'written on a machine of the other byte order';
    if (buf.readUInt32LE(8) !== BOM) return 'damaged header';
    if (buf.readUInt32LE(12) !== buf.length) return 'truncated';
    if (crc32(buf.subarray(20)) !== buf.readUInt32LE(16)) return 'checksum mismatch';
    const hlen = buf.readUInt32LE(20);
    if (FIXED + hlen > buf.length) return 'damaged header';
    let h: Header;
    try {
      h = JSON.parse(buf.toString('utf8', FIXED, FIXED + hlen)) as Header;
    } catch {
      return 'damaged header';
    }
    const st = stamps();
    if (h.format !== FORMAT) return `format ${h.format}`;
    if (h.jobctl !== this.version) return `written by jobctl ${h.jobctl}`;
    if (h.code !== st.code) return 'written by another build of jobctl';
    if (h.grammar !== st.grammar) return 'made with another tree-sitter grammar';
    if (h.root !== this.root) return 'another project';
    if (!h.tables || !Array.isArray(h.tables.types) || !Array.isArray(h.tables.fields) || !Array.isArray(h.entries)) return 'damaged header';
    const tables = makeGrammarTables(h.tables.types, h.tables.named, h.tables.fields);
    if (tables.key !== h.tables.key) return 'grammar tables do not match their key';
    const dataStart = (FIXED + hlen + 3) & ~3;
    const words = (buf.length - dataStart) / 4;
    if (!Number.isInteger(words)) return 'truncated records';
    // a view on the records without copying them, when the buffer is 4-aligned (it is, unless it came from a pool)
    const data = (buf.byteOffset + dataStart) % 4 === 0
      ? new Uint32Array(buf.buffer, buf.byteOffset + dataStart, words)
      : new Uint32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + buf.length));
    for (const row of h.entries) {
      if (!Array.isArray(row) || row.length !== 6) return 'damaged entry';
      const [file, hash, eager, offset, n, errorAt] = row;
      if (typeof file !== 'string' || typeof hash !== 'string' || ![1, 0, -1].includes(eager) || !Number.isInteger(offset) || !Number.isInteger(n) || !Number.isInteger(errorAt)) return 'damaged entry';
      if (offset >= 0 && (n % 4 !== 0 || n <= 0 || offset + n > words)) return `entry ${file} points outside the records`;
      this.old.set(file, { hash, eager, tree: offset >= 0 ? data.subarray(offset, offset + n) : null, errorAt });
    }
    this.oldTables = tables;
    return null;
  }

  private hashOf(file: string, text: string): string {
    let h = this.hashes.get(file);
    if (h === undefined) {
      h = hashText(text);
      this.hashes.set(file, h);
    }
    return h;
  }

  /** The pre-filter's verdict for this text, from the cache or computed now. */
  eager(file: string, text: string, compute: () => boolean): boolean {
    const known = this.verdicts.get(file);
    if (known !== undefined) return known;
    const e = this.old.get(file);
    let v: boolean;
    if (e && e.eager !== -1 && e.hash === this.hashOf(file, text)) {
      v = e.eager === 1;
      this.stats.verdictHits++;
    } else {
      v = compute();
      this.dirty = true;
    }
    this.verdicts.set(file, v);
    return v;
  }

  /** The cached tree of this text and the tables its ids belong to, or null. */
  tree(file: string, text: string): { enc: EncodedTree; tables: GrammarTables } | null {
    const e = this.old.get(file);
    if (!e?.tree || !this.oldTables || e.hash !== this.hashOf(file, text)) return null;
    const live = knownGrammarTables();
    if (live && live.key !== this.oldTables.key) {
      // the grammar this process loaded names its nodes differently: none of the pack's trees is used
      this.old.forEach((x) => { x.tree = null; });
      this.dirty = true;
      return null;
    }
    return { enc: { nodes: e.tree, errorAt: e.errorAt, tables: this.oldTables.key }, tables: this.oldTables };
  }

  hasTree(file: string, text: string): boolean {
    return this.tree(file, text) !== null;
  }

  /** Whether a file parsed last time has changed, or a file is new: then it is likely to be parsed again. */
  likelyParse(files: { file: string; text: string }[]): boolean {
    return files.some((f) => {
      const e = this.old.get(f.file);
      return !e || (e.tree !== null && e.hash !== this.hashOf(f.file, f.text));
    });
  }

  /** A cached tree was used (counted), or turned out unusable (dropped, so the file is parsed and stored again). */
  used(file: string, ok: boolean): void {
    if (ok) this.stats.treeHits++;
    else {
      const e = this.old.get(file);
      if (e) e.tree = null;
      this.dirty = true;
    }
  }

  /** The read starts over (GrammarNeeded): what it counted so far is counted again. */
  restart(): void {
    this.stats.treeHits = 0;
    this.stats.parsed = [];
    this.stats.restarted = true;
  }

  /** A file was parsed now: keep its tree (encoded with the live grammar's tables) for the next run. */
  put(file: string, text: string, enc: EncodedTree, tables: GrammarTables): void {
    this.stats.parsed.push(file);
    this.liveTables ??= tables;
    if (tables.key !== this.liveTables.key) return;
    this.trees.set(file, { enc, hash: this.hashOf(file, text) });
    this.dirty = true;
  }

  /**
   * Write the pack for the files the project has now (entries of other files are dropped), when anything
   * changed. Failure to write is not an error of the run: the next run parses again.
   */
  save(present: { file: string; text: string }[]): void {
    if (this.disabled) return;
    const presentSet = new Set(present.map((p) => p.file));
    for (const f of this.old.keys()) {
      if (!presentSet.has(f)) {
        this.dirty = true;
        break;
      }
    }
    if (!this.dirty) return;
    // trees encoded with other tables than this run's parser cannot sit in one pack with its trees
    const tables = this.liveTables ?? this.oldTables;
    const keepOld = this.oldTables !== null && (this.liveTables === null || this.liveTables.key === this.oldTables.key);
    const rows: Row[] = [];
    const chunks: Uint32Array[] = [];
    let words = 0;
    for (const { file, text } of [...present].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
      const hash = this.hashOf(file, text);
      const o = this.old.get(file);
      const same = o !== undefined && o.hash === hash;
      const v = this.verdicts.get(file);
      const eager = v !== undefined ? (v ? 1 : 0) : same ? o.eager : -1;
      const fresh = this.trees.get(file);
      let tree: Uint32Array | null = null;
      let errorAt = -1;
      if (fresh && fresh.hash === hash) {
        tree = fresh.enc.nodes;
        errorAt = fresh.enc.errorAt;
      } else if (same && keepOld && o.tree) {
        tree = o.tree;
        errorAt = o.errorAt;
      }
      if (tree && (words + tree.length) * 4 > MAX_PACK_BYTES) tree = null;
      if (tree) {
        rows.push([file, hash, eager, words, tree.length, errorAt]);
        chunks.push(tree);
        words += tree.length;
      } else rows.push([file, hash, eager, -1, 0, -1]);
    }
    const st = stamps();
    const header: Header = {
      format: FORMAT, jobctl: this.version, code: st.code, grammar: st.grammar, root: this.root,
      tables: tables ? { types: [...tables.types], named: [...tables.named], fields: [...tables.fields], key: tables.key } : { types: [], named: [], fields: [], key: makeGrammarTables([], [], []).key },
      entries: rows,
    };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const dataStart = (FIXED + json.length + 3) & ~3;
    const out = Buffer.alloc(dataStart + words * 4);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(BOM, 8);
    out.writeUInt32LE(out.length, 12);
    out.writeUInt32LE(json.length, 20);
    json.copy(out, FIXED);
    // records in native order (the byte-order mark tells a reader of the other order to ignore the pack)
    const data = new Uint32Array(out.buffer, out.byteOffset + dataStart, words);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    out.writeUInt32LE(crc32(out.subarray(20)), 16);
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(tmp, out);
      renameSync(tmp, this.file);
      this.stats.write = 'written';
    } catch (err) {
      rmSync(tmp, { force: true });
      this.stats.write = `failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      return;
    }
    this.evict();
  }

  /** Keep the folder under MAX_TOTAL_BYTES (oldest packs first) and remove temporary files a killed run left. */
  private evict(): void {
    try {
      const now = Date.now();
      const packs: { file: string; size: number; mtime: number }[] = [];
      for (const name of readdirSync(this.dir)) {
        const file = path.join(this.dir, name);
        const s = statSync(file, { throwIfNoEntry: false });
        if (!s) continue;
        if (name.endsWith('.tmp') && now - s.mtimeMs > 10 * 60_000) rmSync(file, { force: true });
        else if (name.endsWith('.pack')) packs.push({ file, size: s.size, mtime: s.mtimeMs });
      }
      let total = packs.reduce((n, p) => n + p.size, 0);
      for (const p of packs.sort((a, b) => a.mtime - b.mtime)) {
        if (total <= MAX_TOTAL_BYTES) break;
        if (p.file === this.file) continue;
        rmSync(p.file, { force: true });
        total -= p.size;
      }
    } catch {
      // another run may be evicting too: nothing to do
    }
  }
}

const statsByModel = new WeakMap<object, FactCacheStats>();

/** How the fact cache served the read of this model (hits, files parsed, pack written), when one was used. */
export function factCacheStats(model: object): FactCacheStats | undefined {
  return statsByModel.get(model);
}

export function noteCacheStats(model: object, cache: FactCache): void {
  statsByModel.set(model, cache.stats);
}

/** Thrown when a file must be parsed but the grammar is not loaded (readPython loads it and reads again). */
export class GrammarNeeded extends Error {
  constructor() {
    super('the Python grammar is needed');
  }
}

/**
 * The light tree of a file: decoded from the cache when its text is unchanged, else parsed (and stored). `parsed`:
 * the tree when it was parsed elsewhere (a parse worker): stored when this process knows the grammar's tables.
 */
export function pfileOf(file: string, text: string, cache: FactCache | undefined, parsed: PFile | null = null): PFile {
  if (parsed) {
    const tables = knownGrammarTables();
    if (cache && tables) cache.put(file, text, encodePFile(parsed, tables), tables);
    return parsed;
  }
  const hit = cache?.tree(file, text);
  if (hit) {
    try {
      const pf = decodePFile(file, text, hit.enc, hit.tables);
      cache!.used(file, true);
      return pf;
    } catch (err) {
      if (!(err instanceof TreeCodecError)) throw err;
      cache!.used(file, false);
    }
  }
  if (!pythonParserLoaded()) throw new GrammarNeeded();
  const tree = parsePythonSync(text);
  try {
    const pf = toPFile(file, text, tree);
    if (cache) {
      const tables = grammarTables(tree);
      cache.put(file, text, encodePFile(pf, tables), tables);
    }
    return pf;
  } finally {
    tree.delete();
  }
}
