// The Python side of the project model: Celery apps, config sources (incl. Django settings), tasks,
// functions and their call graph. Each file is parsed exactly once (tree-sitter, wasm grammar loaded
// once per process) and copied into a light JS tree (tree.ts); per-file facts (extract.ts) are then
// linked across modules here. Never throws on malformed Python: problems become model.notes.
import type { CallSite, CeleryApp, ConfigSource, Location, ProjectModel, PyValue, SettingAssignment, SourceFileInfo, TaskDef, TaskDecorator } from '../types.js';
import { ensurePythonParser } from './parser.js';
import { needsEagerRead } from './prefilter.js';
import { chooseThreads, ParsePool, type ThreadChoice, type WorkerTree } from './parse-pool.js';
import { locOf, lineOf, textOf, child, type PFile, type PNode } from './tree.js';
import { GrammarNeeded, pfileOf, type FactCache } from './fact-cache.js';
import { ModuleIndex, moduleNames, TEST_CODE_PATH, type ModuleInfo } from './modules.js';
import { calleeText, extractFile, isCeleryClassName, type FileFacts, type ModuleAssign, type RawClass, type RawFunction } from './extract.js';
import { callArgs, dottedName, evalValue, type ValueContext } from './values.js';
import { ConfigReader } from './config-sources.js';
import { TaskReader } from './tasks.js';
export { byLoc, cmp };

export interface ModuleGlobal {
  /** the resolved callee when the value is a call (`httpx.AsyncClient`, `asyncio.get_event_loop`), else null */
  callee: string | null;
  valueText: string;
  loc: Location;
}

const MAX_PY_BYTES = 2 * 1024 * 1024;
const globalsByModel = new WeakMap<ProjectModel, Map<string, Map<string, ModuleGlobal>>>();
const moduleCallsByModel = new WeakMap<ProjectModel, Map<string, CallSite[]>>();
const classAttrsByModel = new WeakMap<ProjectModel, ClassAttribute[]>();

export interface ClassAttribute {
  module: string;
  /** qualified class name within the module ('Settings', 'Outer.Inner') */
  className: string;
  name: string;
  value: PyValue;
  valueText: string;
  /** the assignment statement */
  loc: Location;
  keyLoc: Location;
}

/** Module-level assignments per module (module -> name -> value facts); the last assignment wins. */
export function getModuleGlobals(model: ProjectModel): Map<string, Map<string, ModuleGlobal>> {
  return globalsByModel.get(model) ?? new Map();
}

/** Class-level `NAME = value` / `NAME: T = value` of every class (pydantic settings, config classes), sorted by file/line. */
export function getClassAttributes(model: ProjectModel): ClassAttribute[] {
  return classAttrsByModel.get(model) ?? [];
}

/** Calls made at import time (module level, class bodies, decorators) per module. */
export function getModuleLevelCalls(model: ProjectModel): Map<string, CallSite[]> {
  return moduleCallsByModel.get(model) ?? new Map();
}

/** Names that must never be mapped onto a project file by the path-suffix fallback. */
const EXTERNAL_HEADS = new Set(['os', 'sys', 'asyncio', 'celery', 'kombu', 'django', 'typing', 'logging', 'json', 'time', 'datetime', 're', 'httpx', 'requests', 'redis', 'nest_asyncio', 'asgiref', 'concurrent', 'threading', 'functools', 'collections', 'pydantic', 'sqlalchemy']);


function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function byLoc(a: { file: string; line: number; column: number }, b: { file: string; line: number; column: number }): number {
  return cmp(a.file, b.file) || a.line - b.line || a.column - b.column;
}

export interface ReadPythonOptions {
  /**
   * Parse every file up front instead of only those the text pre-filter picks (prefilter.ts) plus
   * those the linker reaches. Slower on big projects; used to check that the filter loses nothing.
   * Also switched on by JOBCTL_PYTHON_READ_ALL=1.
   */
  readAll?: boolean;
  /** the per-file cache between runs (fact-cache.ts): pre-filter verdicts and syntax trees of unchanged files */
  cache?: FactCache;
  /** parse worker threads for the eager parse: 0 off, N workers; default JOBCTL_THREADS, else automatic (parse-pool.ts) */
  threads?: number;
  /** tests: the main thread leaves every file it can to the workers (ParsePool mainParses=false) */
  workersOnly?: boolean;
}

/** A folder whose name starts with '.' (.semgrep, .github, .devcontainer): tooling, never an importable package. */
const HIDDEN_DIR = /(^|\/)\.[^/]*\//;

export async function readPython(files: SourceFileInfo[], model: ProjectModel, opts: ReadPythonOptions = {}): Promise<void> {
  // Python files in hidden folders cannot be imported by a worker (a package name cannot start with
  // '.'); they are lint-rule samples (.semgrep/), CI helpers and the like. Reading them made saleor's
  // semgrep test cases look like 13 stub tasks.
  const hidden = files.filter((f) => HIDDEN_DIR.test(f.file)).map((f) => f.file).sort(cmp);
  if (hidden.length > 0) {
    model.notes.push({ level: 'info', file: hidden[0]!, message: `${hidden.length} Python file(s) in hidden folders not read as project code (e.g. ${hidden[0]}): a worker cannot import them` });
  }
  const sorted = files.filter((f) => !HIDDEN_DIR.test(f.file)).sort((a, b) => cmp(a.file, b.file));
  const infos = moduleNames(sorted.map((f) => f.file), model.placedFiles);
  const index = new ModuleIndex(infos);
  const readAll = opts.readAll ?? process.env.JOBCTL_PYTHON_READ_ALL === '1';
  const cache = opts.cache;
  const eager = sorted.filter((f) => readAll || (cache ? cache.eager(f.file, f.text, () => needsEagerRead(f.file, f.text)) : needsEagerRead(f.file, f.text)));
  // the grammar is not loaded when every eager file's tree is cached and no file parsed last time changed; if the
  // linker then reaches a file with no cached tree, the read starts over with the grammar loaded (GrammarNeeded)
  const grammarNow = !cache || eager.some((f) => !cache.hasTree(f.file, f.text)) || cache.likelyParse(sorted);
  if (grammarNow && !(await loadGrammar(model))) return;
  const mark = markModel(model);
  try {
    await readFiles(sorted, infos, index, eager, model, opts);
  } catch (err) {
    if (!(err instanceof GrammarNeeded)) throw err;
    mark.reset();
    cache!.restart();
    if (!(await loadGrammar(model))) return;
    await readFiles(sorted, infos, index, eager, model, opts);
  }
  cache?.save(sorted);
}

async function readFiles(sorted: SourceFileInfo[], infos: ModuleInfo[], index: ModuleIndex, eager: SourceFileInfo[], model: ProjectModel, opts: ReadPythonOptions): Promise<void> {
  const loader = new FileLoader(sorted, infos, model, opts.cache);
  const threads = await loadEager(loader, eager, opts);
  try {
    new Linker(loader, index, model).run();
  } catch (err) {
    if (err instanceof GrammarNeeded) throw err;
    model.notes.push({ level: 'warning', message: `Python model incomplete: ${(err as Error).message}` });
  }
  readStats.set(model, { files: sorted.length, parsed: loader.loaded.length, eager: loader.eagerCount, threads });
}

/**
 * The eager files' facts, in path order. Worker threads parse the ones no cached tree covers when cores are free
 * (parse-pool.ts); facts are always extracted here, on the main thread.
 */
async function loadEager(loader: FileLoader, eager: SourceFileInfo[], opts: ReadPythonOptions): Promise<ThreadChoice & { parsedByWorkers: number }> {
  const toParse = eager.filter((f) => !opts.cache?.hasTree(f.file, f.text));
  const choice = chooseThreads({ requested: opts.threads, eagerChars: toParse.reduce((n, f) => n + f.text.length, 0), eagerFiles: toParse.length });
  const pool = choice.workers > 0 ? new ParsePool(toParse, choice.workers, !opts.workersOnly) : null;
  try {
    let next = 0;
    for (const f of eager) loader.load(f.file, pool && toParse[next] === f ? await pool.take(next++) : null);
  } finally {
    await pool?.close();
  }
  return { ...choice, parsedByWorkers: pool?.parsedByWorkers ?? 0 };
}

export interface PythonReadStats {
  files: number;
  parsed: number;
  eager: number;
  /** parse worker threads used for the eager parse (parse-pool.ts) and how many files they parsed */
  threads: { workers: number; reason: string; parsedByWorkers: number };
}
const readStats = new WeakMap<ProjectModel, PythonReadStats>();

async function loadGrammar(model: ProjectModel): Promise<boolean> {
  try {
    await ensurePythonParser();
    return true;
  } catch (err) {
    model.notes.push({ level: 'warning', message: `Python files not read: the tree-sitter Python grammar could not be loaded (${(err as Error).message})` });
    return false;
  }
}

/** What the Python reader adds to a model, so that a read can start over. */
function markModel(model: ProjectModel): { reset(): void } {
  const lists = [model.notes, model.unread, model.envAssignments, model.tasks, model.functions, model.configSources, model.apps] as unknown[][];
  const lengths = lists.map((l) => l.length);
  return { reset: () => lists.forEach((l, i) => { l.length = lengths[i]!; }) };
}

/** How many Python files were parsed (eagerly by the pre-filter, in total incl. lazily), for benchmarks. */
export function pythonReadStats(model: ProjectModel): PythonReadStats | undefined {
  return readStats.get(model);
}

/**
 * Parses files on demand, each at most once, and keeps their per-file facts. The tree-sitter tree is
 * freed as soon as the light copy is made. `loaded` grows in load order, which is deterministic.
 */
export class FileLoader {
  readonly loaded: FileFacts[] = [];
  eagerCount = 0;
  private byFile = new Map<string, FileFacts | null>();
  private sources = new Map<string, { src: SourceFileInfo; info: ModuleInfo }>();
  private linking = false;

  constructor(sorted: SourceFileInfo[], infos: ModuleInfo[], private model: ProjectModel, private cache?: FactCache) {
    for (let i = 0; i < sorted.length; i++) this.sources.set(sorted[i]!.file, { src: sorted[i]!, info: infos[i]! });
  }

  /** From here on loads are lazy (reached by the linker), not eager. */
  startLinking(): void {
    this.linking = true;
  }

  /**
   * Facts of a project file, parsing it now if needed; null when it cannot be read. `parsed`: its light tree when
   * it was parsed elsewhere; the fact cache keeps it like a tree parsed here (a parse worker's tree, parse-pool.ts,
   * comes with its encoding, which the cache stores as it is).
   */
  load(file: string, parsed: PFile | WorkerTree | null = null): FileFacts | null {
    const hit = this.byFile.get(file);
    if (hit !== undefined) return hit;
    const entry = this.sources.get(file);
    let facts: FileFacts | null = null;
    this.byFile.set(file, null); // a failing file is tried once
    if (!entry) return null;
    const { src, info } = entry;
    if (src.text.length > MAX_PY_BYTES / 4 && Buffer.byteLength(src.text, 'utf8') > MAX_PY_BYTES) {
      this.model.notes.push({ level: 'info', file, message: 'skipped: Python file larger than 2 MiB' });
      return null;
    }
    try {
      let pf: PFile;
      if (parsed && 'enc' in parsed) {
        pf = parsed.pf;
        this.cache?.put(file, src.text, parsed.enc, parsed.tables);
      } else pf = pfileOf(file, src.text, this.cache, parsed);
      if (pf.errorAt !== null) {
        this.model.notes.push({ level: 'warning', file, message: `Python syntax error near line ${lineOf(pf, pf.errorAt)}; read what could be parsed` });
      }
      facts = extractFile(pf, info);
    } catch (err) {
      if (err instanceof GrammarNeeded) throw err;
      this.model.notes.push({ level: 'warning', file, message: `could not read Python: ${(err as Error).message}` });
      return null;
    }
    this.byFile.set(file, facts);
    this.loaded.push(facts);
    if (!this.linking) this.eagerCount++;
    return facts;
  }

  /** Project files whose text contains `needle` (a cheap scan; nothing is parsed). */
  filesContaining(needle: string): string[] {
    const out: string[] = [];
    for (const [file, { src }] of this.sources) if (src.text.includes(needle)) out.push(file);
    return out.sort(cmp);
  }

  /** The source text of a project file (never parses). */
  textOf(file: string): string | undefined {
    return this.sources.get(file)?.src.text;
  }

  /** Facts of a file only if it is already loaded (never parses). */
  peek(file: string): FileFacts | null {
    return this.byFile.get(file) ?? null;
  }
}

export type Sym =
  | { kind: 'module'; facts: FileFacts }
  | { kind: 'def'; facts: FileFacts; fn: RawFunction }
  | { kind: 'class'; facts: FileFacts; cls: RawClass }
  | { kind: 'method'; facts: FileFacts; fn: RawFunction }
  | { kind: 'assign'; facts: FileFacts; assign: ModuleAssign };

export interface AppRec {
  app: CeleryApp;
  facts: FileFacts;
  namespace: string | null;
  /** the project's celery.Celery subclass the app is an instance of (its methods' `self` is the app) */
  cls?: { facts: FileFacts; cls: RawClass };
}

export class Linker {
  readonly apps = new Map<string, AppRec>(); // key: scope \0 variable
  private appIds = new Set<string>();
  private factoryApps = new Map<string, AppRec>(); // function id -> app it returns
  private taskFunctionIds = new Set<string>();
  /** set once task code is linked: from then on lookups use only files already read (see buildFunctions) */
  private noLoad = false;

  constructor(readonly loader: FileLoader, readonly index: ModuleIndex, readonly model: ProjectModel) {}

  /**
   * Every file read so far. It grows while linking (a lookup may parse a file the pre-filter skipped);
   * loops use for-of over this live array, so files added during a loop are visited too.
   */
  get all(): FileFacts[] {
    return this.loader.loaded;
  }

  /** Facts of the project files whose path matches, in path order, parsing them if needed. */
  filesWhere(pred: (file: string) => boolean): FileFacts[] {
    const out: FileFacts[] = [];
    for (const info of this.index.all()) {
      if (!pred(info.file)) continue;
      const f = this.loader.load(info.file);
      if (f) out.push(f);
    }
    return out.sort((a, b) => cmp(a.pf.file, b.pf.file));
  }

  run(): void {
    this.loader.startLinking();
    this.buildApps();
    const config = new ConfigReader(this);
    config.build();
    const tasks = new TaskReader(this).build();
    for (const t of tasks) this.taskFunctionIds.add(t.functionId);
    this.model.tasks.push(...tasks);
    this.buildFunctions();
    this.buildModuleTables();
    const apps = [...this.apps.values()].map((r) => r.app);
    const uniq = [...new Map(apps.map((a) => [a.id, a])).values()];
    this.model.apps.push(...uniq.sort((a, b) => byLoc(a.loc, b.loc)));
    this.model.configSources.push(...config.sources.sort((a, b) => cmp(a.file, b.file) || byLoc(a.loc, b.loc) || cmp(a.id, b.id)));
  }

  // ---------- resolution ----------

  findModule(name: string): FileFacts | undefined {
    if (!name) return undefined;
    const segs = name.split('.');
    let info: ModuleInfo | undefined = this.index.find(name);
    if (info && info.module !== name && (segs.length < 2 || EXTERNAL_HEADS.has(segs[0]!))) info = undefined;
    if (!info) return undefined;
    return (this.noLoad ? this.loader.peek(info.file) : this.loader.load(info.file)) ?? undefined;
  }

  /** A fully dotted name ('app.tasks.helper') -> the project symbol it names. */
  private lookupCache = new Map<string, Sym | null>();
  private lookupActive = new Set<string>();
  private exportCache = new Map<FileFacts, Map<string, Sym | null>>();

  /** A fully dotted name ('app.tasks.helper') -> the project symbol it names. Memoized, cycle-safe. */
  lookup(dotted: string): Sym | null {
    if (!dotted) return null;
    const hit = this.lookupCache.get(dotted);
    if (hit !== undefined) return hit;
    if (this.lookupActive.has(dotted)) return null; // import cycle
    this.lookupActive.add(dotted);
    let res: Sym | null = null;
    const parts = dotted.split('.');
    for (let i = parts.length; i >= 1 && !res; i--) {
      const facts = this.findModule(parts.slice(0, i).join('.'));
      if (facts) res = this.walk({ kind: 'module', facts }, parts.slice(i));
    }
    this.lookupActive.delete(dotted);
    this.lookupCache.set(dotted, res);
    return res;
  }

  private walk(start: Sym, rest: string[]): Sym | null {
    let sym: Sym | null = start;
    for (let i = 0; i < rest.length && sym; i++) {
      const part = rest[i]!;
      if (sym.kind === 'module') sym = this.exported(sym.facts, part);
      else if (sym.kind === 'class') {
        const m = this.methodOf(sym.facts, sym.cls, part, 0);
        sym = m ? { kind: 'method', facts: m.facts, fn: m.fn } : null;
      } else sym = null;
    }
    return sym;
  }

  /** What `from <module> import name` gives, following re-exports and `import *`. */
  private exported(facts: FileFacts, name: string): Sym | null {
    let cache = this.exportCache.get(facts);
    if (!cache) this.exportCache.set(facts, (cache = new Map()));
    if (cache.has(name)) return cache.get(name)!;
    cache.set(name, null); // cycle guard
    const res = this.exportedUncached(facts, name);
    cache.set(name, res);
    return res;
  }

  private exportedUncached(facts: FileFacts, name: string): Sym | null {
    const fn = facts.defs.get(name);
    if (fn) return { kind: 'def', facts, fn };
    const cls = facts.classes.get(name);
    if (cls) return { kind: 'class', facts, cls };
    const a = facts.assignByName.get(name);
    if (a) return { kind: 'assign', facts, assign: a };
    const imp = facts.imports.get(name);
    if (imp !== undefined && imp !== `${facts.info.module}.${name}`) return this.lookup(imp);
    if (facts.info.isPackage) {
      const sub = this.findModule(`${facts.info.module}.${name}`);
      if (sub) return { kind: 'module', facts: sub };
    }
    for (const [k, base] of facts.imports) {
      if (!k.startsWith('\0*')) continue;
      const m = this.findModule(base);
      const s = m && m !== facts ? this.exported(m, name) : null;
      if (s) return s;
    }
    return null;
  }

  private methodOf(facts: FileFacts, cls: RawClass, name: string, depth: number): { facts: FileFacts; fn: RawFunction } | null {
    const own = cls.methods.get(name);
    if (own) return { facts, fn: own };
    if (depth > 6) return null;
    for (const b of cls.bases) {
      const s = this.lookupName(facts, null, b);
      if (s?.kind === 'class') {
        const m = this.methodOf(s.facts, s.cls, name, depth + 1);
        if (m) return m;
      }
    }
    return null;
  }

  /** Imports visible from `fn` (its own function-level imports, its parents', the module's). */
  importTarget(facts: FileFacts, fn: RawFunction | null, head: string): string | undefined {
    for (let f = fn; f; f = f.parent) {
      const t = f.imports.get(head);
      if (t !== undefined) return t;
    }
    return facts.imports.get(head);
  }

  resolveWritten(facts: FileFacts, fn: RawFunction | null, written: string): string {
    if (!/^[A-Za-z_]/.test(written)) return written;
    const dot = written.search(/[.(]/);
    const head = dot < 0 ? written : written.slice(0, dot);
    const t = this.importTarget(facts, fn, head);
    return t !== undefined ? t + (dot < 0 ? '' : written.slice(dot)) : written;
  }

  /** A name as written in a module -> project symbol (through imports, else the module's own names). */
  lookupName(facts: FileFacts, fn: RawFunction | null, written: string): Sym | null {
    if (written.includes('(')) return null;
    const head = written.split('.')[0]!;
    if (this.importTarget(facts, fn, head) !== undefined) return this.lookup(this.resolveWritten(facts, fn, written));
    const parts = written.split('.');
    const first = this.exported(facts, parts[0]!);
    return first ? this.walk(first, parts.slice(1)) : null;
  }

  vctx(facts: FileFacts, fn: RawFunction | null = null): ValueContext {
    return {
      pf: facts.pf,
      resolve: (d) => this.resolveWritten(facts, fn, d),
      constant: (n) => facts.assignByName.get(n)?.value,
      linked: (d) => {
        // only names that come from an import: the module's own names are `constant`'s
        if (this.importTarget(facts, fn, d.split('.')[0]!) === undefined) return undefined;
        const s = this.lookupName(facts, fn, d);
        if (s?.kind !== 'assign' || s.facts === facts) return undefined;
        const def = s.facts;
        return { node: s.assign.value, ctx: { pf: def.pf, resolve: (x) => this.resolveWritten(def, null, x), constant: (n) => def.assignByName.get(n)?.value } };
      },
    };
  }

  // ---------- apps ----------

  /**
   * `app = MyCelery(…)` at module level where MyCelery, imported from another project module, subclasses
   * celery.Celery (a subclass in the same file is found while extracting it): the app is read as a Celery() one.
   */
  private subclassCtors(facts: FileFacts): void {
    if (!/[Cc]elery/.test(facts.pf.text)) return;
    for (const a of facts.assigns) {
      if (a.value.type !== 'call' || facts.appCtors.some((c) => c.call === a.value)) continue;
      const f = child(a.value, 'function');
      const w = f ? dottedName(facts.pf, f) : null;
      if (!w || this.importTarget(facts, null, w.split('.')[0]!) === undefined) continue;
      const s = this.lookupName(facts, null, w);
      if (s?.kind === 'class' && this.isCeleryClass(s.facts, s.cls, 0)) facts.appCtors.push({ variable: a.name, call: a.value, fn: null });
    }
  }

  private isCeleryClass(facts: FileFacts, cls: RawClass, depth: number): boolean {
    return depth < 6 && cls.bases.some((b) => {
      if (isCeleryClassName(this.resolveWritten(facts, null, b))) return true;
      const s = this.lookupName(facts, null, b);
      return s?.kind === 'class' && s.cls !== cls && this.isCeleryClass(s.facts, s.cls, depth + 1);
    });
  }

  /**
   * `self.conf.update(…)` / `self.config_from_object(…)` in a method of a celery.Celery subclass (on_configure,
   * __init__): the app created from that class (or from a subclass of it), when there is exactly one.
   */
  private appOfSelf(fn: RawFunction | null): AppRec | null {
    let f = fn;
    while (f && !f.cls) f = f.parent;
    const owner = f?.cls;
    if (!owner) return null;
    const inherits = (c: { facts: FileFacts; cls: RawClass }, depth: number): boolean => c.cls === owner || (depth < 6 && c.cls.bases.some((b) => {
      const s = this.lookupName(c.facts, null, b);
      return s?.kind === 'class' && inherits({ facts: s.facts, cls: s.cls }, depth + 1);
    }));
    const recs = [...new Set(this.apps.values())].filter((r) => r.cls && inherits(r.cls, 0));
    return recs.length === 1 ? recs[0]! : null;
  }

  /**
   * `self.celery = Celery()` where `Celery` is a class of the project (a process manager that starts the worker)
   * and not celery.Celery or a subclass of it: no app. An app is celery.Celery, imported from celery, or a subclass.
   */
  private ownClassNamedCelery(facts: FileFacts, fn: RawFunction | null, call: PNode): boolean {
    const f = child(call, 'function');
    const w = f ? dottedName(facts.pf, f) : null;
    const s = w ? this.lookupName(facts, fn, w) : null;
    return s?.kind === 'class' && !this.isCeleryClass(s.facts, s.cls, 0);
  }

  private buildApps(): void {
    for (const facts of this.all) {
      this.subclassCtors(facts);
      for (const ctor of facts.appCtors) {
        if (ctor.current) continue;
        if (this.ownClassNamedCelery(facts, ctor.fn, ctor.call)) continue;
        const { positional, keywords } = callArgs(ctor.call);
        const kw = (n: string): PNode | undefined => keywords.find((k) => textOf(facts.pf, k.name) === n)?.value;
        const mainNode = kw('main') ?? positional[0];
        const mainVal = mainNode ? evalValue(this.vctx(facts, ctor.fn), mainNode) : null;
        const nsNode = kw('namespace');
        const nsVal = nsNode ? evalValue(this.vctx(facts, ctor.fn), nsNode) : null;
        let id = `${facts.info.module}:${ctor.variable}`;
        if (this.appIds.has(id)) id = `${id}@${lineOf(facts.pf, ctor.call.start)}`;
        this.appIds.add(id);
        const stmt = ctor.call.parent?.type === 'assignment' ? ctor.call.parent : ctor.call;
        const app: CeleryApp = {
          id, variable: ctor.variable, module: facts.info.module, main: mainVal?.kind === 'str' ? mainVal.value : null, file: facts.pf.file,
          loc: locOf(facts.pf, stmt), configSourceIds: [], autodiscover: false,
        };
        const rec: AppRec = { app, facts, namespace: nsVal?.kind === 'str' ? nsVal.value : null };
        const callee = child(ctor.call, 'function');
        const w = callee ? dottedName(facts.pf, callee) : null;
        const cls = w ? this.lookupName(facts, ctor.fn, w) : null;
        if (cls?.kind === 'class') rec.cls = { facts: cls.facts, cls: cls.cls };
        const scope = ctor.fn ? ctor.fn.def.id : facts.pf.file;
        if (!this.apps.has(`${scope}\0${ctor.variable}`)) this.apps.set(`${scope}\0${ctor.variable}`, rec);
        if (ctor.fn && (ctor.fn.returnsCeleryCall || ctor.fn.returnedNames.has(ctor.variable))) this.factoryApps.set(ctor.fn.def.id, rec);
      }
    }
    this.buildCurrentApp();
  }

  /**
   * A project that creates no Celery app of its own but configures `celery.current_app`
   * (`celery_app = current_app; celery_app.config_from_object(settings)`, then `celery -A main.celery` on the
   * object that function returns): Celery's default app is the app, and @shared_task tasks register on it.
   * Every such reference is that one app. When the project creates an app, current_app is that app at run time
   * and is left alone here.
   */
  private buildCurrentApp(): void {
    const isTest = (f: string): boolean => TEST_CODE_PATH.test(f);
    if ([...this.apps.values()].some((r) => !isTest(r.app.file))) return;
    let rec: AppRec | null = null;
    for (const facts of this.all) {
      if (isTest(facts.pf.file)) continue;
      for (const ctor of facts.appCtors) {
        if (!ctor.current) continue;
        // only a reference the project configures through (config_from_object / conf.update on that name)
        const configured = facts.appCalls.some((c) => c.receiver === ctor.variable && c.fn === ctor.fn && /^(config_from_object|config_from_envvar|conf\.update|conf\.setdefault)$/.test(c.method));
        if (!configured) continue;
        const stmt = ctor.call.parent?.type === 'assignment' ? ctor.call.parent : ctor.call;
        rec ??= {
          app: { id: `${facts.info.module}:${ctor.variable}`, variable: ctor.variable, module: facts.info.module, main: null, file: facts.pf.file, loc: locOf(facts.pf, stmt), configSourceIds: [], autodiscover: false },
          facts, namespace: null,
        };
        const scope = ctor.fn ? ctor.fn.def.id : facts.pf.file;
        if (!this.apps.has(`${scope}\0${ctor.variable}`)) this.apps.set(`${scope}\0${ctor.variable}`, rec);
        if (ctor.fn?.returnedNames.has(ctor.variable)) this.factoryApps.set(ctor.fn.def.id, rec);
      }
    }
  }

  /** The app a receiver expression (`app`, `celery_app`, `core.celery_app`) refers to, if known. */
  appFor(facts: FileFacts, fn: RawFunction | null, receiver: string, depth = 0): AppRec | null {
    if (depth > 6 || receiver.includes('(')) return null;
    if (receiver === 'self') return this.appOfSelf(fn);
    for (let f = fn; f; f = f.parent) {
      const r = this.apps.get(`${f.def.id}\0${receiver}`);
      if (r) return r;
    }
    const own = this.apps.get(`${facts.pf.file}\0${receiver}`);
    if (own) return own;
    const head = receiver.split('.')[0]!;
    if (this.importTarget(facts, fn, head) !== undefined) {
      const s = this.lookup(this.resolveWritten(facts, fn, receiver));
      if (s?.kind === 'assign') return this.appFor(s.facts, null, s.assign.name, depth + 1);
      return null;
    }
    // x = make_celery(...) at module level, where make_celery returns a Celery app
    const a = facts.assignByName.get(receiver);
    if (a && a.value.type === 'call') {
      const f = child(a.value, 'function');
      const w = f ? dottedName(facts.pf, f) : null;
      if (w) {
        const s = this.lookupName(facts, null, w);
        if (s && (s.kind === 'def' || s.kind === 'method')) return this.factoryApps.get(s.fn.def.id) ?? null;
      }
    }
    return null;
  }

  // ---------- functions ----------

  /**
   * Callees and module globals of every function. Two phases, so that a big project is not parsed
   * file by file along every call edge:
   *  1. from each task's function, follow calls (and the classes that build module globals it reads)
   *     and parse whatever files that leads to — task code is complete, however deep it goes;
   *  2. every other function of the files read so far is linked against those files only (no more
   *     parsing): a call from code that no task reaches into a file nobody else needed stays unresolved.
   * With every file read up front (readAll) both phases see all files and the result is the full graph.
   */
  private buildFunctions(): void {
    // one id can name several defs (typing.overload stubs, redefinitions, if/else variants): all of them
    const byId = new Map<string, { facts: FileFacts; fn: RawFunction }[]>();
    let indexed = 0;
    const find = (id: string): { facts: FileFacts; fn: RawFunction }[] => {
      while (indexed < this.all.length) {
        const f = this.all[indexed++]!;
        for (const fn of f.functions) {
          const list = byId.get(fn.def.id);
          if (list) list.push({ facts: f, fn });
          else byId.set(fn.def.id, [{ facts: f, fn }]);
        }
      }
      return byId.get(id) ?? [];
    };
    const linked = new Set<RawFunction>();
    const link = (facts: FileFacts, fn: RawFunction): void => {
      linked.add(fn);
      const callees = new Set<string>();
      for (const w of fn.written) {
        const id = this.calleeId(facts, fn, w);
        if (id && id !== fn.def.id) callees.add(id);
      }
      fn.def.callees = [...callees].sort();
      fn.def.moduleGlobalsUsed = this.globalsUsed(facts, fn);
    };

    // phase 1: task code, parsing what it reaches
    const queue = [...this.taskFunctionIds].sort();
    while (queue.length > 0) {
      for (const e of find(queue.pop()!)) {
        if (linked.has(e.fn)) continue;
        link(e.facts, e.fn);
        queue.push(...e.fn.def.callees);
        for (const used of e.fn.def.moduleGlobalsUsed) {
          const init = this.globalCtorInit(e.facts, used);
          if (init) queue.push(init);
        }
      }
    }

    // phase 2: everything else, against the files already read
    this.noLoad = true;
    const out = [];
    for (const facts of this.all) {
      for (const fn of facts.functions) {
        if (!linked.has(fn)) link(facts, fn);
        out.push(fn.def);
      }
    }
    this.model.functions.push(...out.sort((a, b) => byLoc(a.loc, b.loc) || cmp(a.id, b.id)));
  }

  /** `client = ApiClient()` read by task code: the id of ApiClient.__init__, so its module gets read. */
  private globalCtorInit(facts: FileFacts, used: string): string | null {
    const colon = used.indexOf(':');
    const owner = colon < 0 ? facts : this.findModule(used.slice(0, colon));
    const name = colon < 0 ? used.split('.')[0]! : used.slice(colon + 1);
    const a = owner?.assignByName.get(name);
    if (!owner || !a || a.value.type !== 'call') return null;
    const f = child(a.value, 'function');
    const w = f ? dottedName(owner.pf, f) : null;
    const s = w ? this.lookupName(owner, null, w) : null;
    return s?.kind === 'class' ? (s.cls.methods.get('__init__')?.def.id ?? null) : null;
  }

  private isLocal(fn: RawFunction, name: string): boolean {
    for (let f: RawFunction | null = fn; f; f = f.parent) {
      if (f.globals.has(name)) return false;
      if (f.locals.has(name) || f.imports.has(name)) return true;
    }
    return false;
  }

  private calleeId(facts: FileFacts, fn: RawFunction, written: string): string | null {
    if (written.includes('(') || !/^[A-Za-z_][\w.]*$/.test(written)) return null;
    const parts = written.split('.');
    const head = parts[0]!;
    if (parts.length === 1) {
      for (let f: RawFunction | null = fn; f; f = f.parent) {
        const n = f.nested.get(head);
        if (n) return n;
      }
    }
    if ((head === 'self' || head === 'cls') && parts.length === 2 && fn.cls) {
      const m = this.methodOf(facts, fn.cls, parts[1]!, 0);
      return m ? m.fn.def.id : null;
    }
    if (this.isLocal(fn, head) && !(parts.length === 1 && fn.nested.has(head))) {
      // a local variable or function-level import
      if (!fn.imports.has(head) && !this.importTarget(facts, fn.parent, head)) return null;
    }
    const s = this.lookupName(facts, fn, written);
    if (!s) return null;
    if (s.kind === 'def' || s.kind === 'method') return s.fn.def.id;
    if (s.kind === 'class') {
      const init = s.cls.methods.get('__init__');
      return init ? init.def.id : null;
    }
    return null;
  }

  private globalsUsed(facts: FileFacts, fn: RawFunction): string[] {
    const out = new Set<string>();
    const consider = (name: string, attr: string | null): void => {
      if (this.isLocal(fn, name)) {
        // function-level imports are "local" but may still name another module's globals
        const t = this.importTarget(facts, fn, name);
        if (t === undefined) return;
      }
      const t = this.importTarget(facts, fn, name);
      if (t === undefined) {
        if (attr === null && facts.assignByName.has(name) && !facts.defs.has(name) && !facts.classes.has(name)) out.add(name);
        return;
      }
      const s = this.lookup(attr === null ? t : `${t}.${attr}`);
      if (s?.kind === 'assign') out.add(s.facts === facts ? s.assign.name : `${s.facts.info.module}:${s.assign.name}`);
    };
    for (const r of fn.reads) consider(r, null);
    for (const ar of fn.attrReads) {
      const [obj, attr] = ar.split('.') as [string, string];
      const t = this.importTarget(facts, fn, obj);
      if (t !== undefined && this.findModule(t)) consider(obj, attr);
    }
    return [...out].sort();
  }

  // ---------- per-module tables ----------

  private buildModuleTables(): void {
    const globals = new Map<string, Map<string, ModuleGlobal>>();
    const calls = new Map<string, CallSite[]>();
    for (const facts of this.all) {
      const mod = facts.info.module;
      if (!globals.has(mod)) {
        const m = new Map<string, ModuleGlobal>();
        for (const a of facts.assigns) {
          let callee: string | null = null;
          if (a.value.type === 'call') {
            const f = child(a.value, 'function');
            if (f) callee = this.resolveWritten(facts, null, calleeText(facts.pf, f));
          } else if (a.value.type === 'await') callee = null;
          m.set(a.name, { callee, valueText: textOf(facts.pf, a.value), loc: locOf(facts.pf, a.stmt) });
        }
        globals.set(mod, m);
      }
      if (!calls.has(mod)) calls.set(mod, [...facts.moduleCalls].sort((a, b) => byLoc(a.loc, b.loc)));
    }
    const attrs: ClassAttribute[] = [];
    for (const facts of this.all) {
      const vc = this.vctx(facts);
      for (const cls of facts.allClasses) {
        for (const a of cls.attrs) {
          attrs.push({ module: facts.info.module, className: cls.qual, name: a.name, value: evalValue(vc, a.value), valueText: textOf(facts.pf, a.value), loc: locOf(facts.pf, a.stmt), keyLoc: locOf(facts.pf, a.key) });
        }
      }
    }
    classAttrsByModel.set(this.model, attrs.sort((a, b) => byLoc(a.loc, b.loc)));
    globalsByModel.set(this.model, globals);
    moduleCallsByModel.set(this.model, calls);
  }
}

