// The Python side of the project model: Celery apps, config sources (incl. Django settings), tasks,
// functions and their call graph. Each file is parsed exactly once (tree-sitter, wasm grammar loaded
// once per process) and copied into a light JS tree (tree.ts); per-file facts (extract.ts) are then
// linked across modules here. Never throws on malformed Python: problems become model.notes.
import type { CallSite, CeleryApp, ConfigSource, Location, ProjectModel, PyValue, SettingAssignment, SourceFileInfo, TaskDef, TaskDecorator } from '../types.js';
import { ensurePythonParser, parsePythonSync } from './parser.js';
import { needsEagerRead } from './prefilter.js';
import { toPFile, locOf, lineOf, textOf, child, type PFile, type PNode } from './tree.js';
import { ModuleIndex, moduleNames, type ModuleInfo } from './modules.js';
import { calleeText, extractFile, type FileFacts, type ModuleAssign, type RawClass, type RawFunction } from './extract.js';
import { callArgs, dottedName, evalValue, stringValue, type ValueContext } from './values.js';

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

const TASK_BASES = new Set(['celery.Task', 'celery.app.task.Task', 'celery.task.Task', 'celery.task.base.Task', 'celery.app.Task']);

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
  const infos = moduleNames(sorted.map((f) => f.file));
  const index = new ModuleIndex(infos);
  try {
    await ensurePythonParser();
  } catch (err) {
    model.notes.push({ level: 'warning', message: `Python files not read: the tree-sitter Python grammar could not be loaded (${(err as Error).message})` });
    return;
  }
  const loader = new FileLoader(sorted, infos, model);
  const readAll = opts.readAll ?? process.env.JOBCTL_PYTHON_READ_ALL === '1';
  for (const f of sorted) {
    if (readAll || needsEagerRead(f.file, f.text)) loader.load(f.file);
  }
  try {
    new Linker(loader, index, model).run();
  } catch (err) {
    model.notes.push({ level: 'warning', message: `Python model incomplete: ${(err as Error).message}` });
  }
  readStats.set(model, { files: sorted.length, parsed: loader.loaded.length, eager: loader.eagerCount });
}

const readStats = new WeakMap<ProjectModel, { files: number; parsed: number; eager: number }>();

/** How many Python files were parsed (eagerly by the pre-filter, in total incl. lazily), for benchmarks. */
export function pythonReadStats(model: ProjectModel): { files: number; parsed: number; eager: number } | undefined {
  return readStats.get(model);
}

/**
 * Parses files on demand, each at most once, and keeps their per-file facts. The tree-sitter tree is
 * freed as soon as the light copy is made. `loaded` grows in load order, which is deterministic.
 */
class FileLoader {
  readonly loaded: FileFacts[] = [];
  eagerCount = 0;
  private byFile = new Map<string, FileFacts | null>();
  private sources = new Map<string, { src: SourceFileInfo; info: ModuleInfo }>();
  private linking = false;

  constructor(sorted: SourceFileInfo[], infos: ModuleInfo[], private model: ProjectModel) {
    for (let i = 0; i < sorted.length; i++) this.sources.set(sorted[i]!.file, { src: sorted[i]!, info: infos[i]! });
  }

  /** From here on loads are lazy (reached by the linker), not eager. */
  startLinking(): void {
    this.linking = true;
  }

  /** Facts of a project file, parsing it now if needed; null when it cannot be read. */
  load(file: string): FileFacts | null {
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
      const tree = parsePythonSync(src.text);
      let pf: PFile;
      try {
        pf = toPFile(file, src.text, tree);
      } finally {
        tree.delete();
      }
      if (pf.errorAt !== null) {
        this.model.notes.push({ level: 'warning', file, message: `Python syntax error near line ${lineOf(pf, pf.errorAt)}; read what could be parsed` });
      }
      facts = extractFile(pf, info);
    } catch (err) {
      this.model.notes.push({ level: 'warning', file, message: `could not read Python: ${(err as Error).message}` });
      return null;
    }
    this.byFile.set(file, facts);
    this.loaded.push(facts);
    if (!this.linking) this.eagerCount++;
    return facts;
  }

  /** Facts of a file only if it is already loaded (never parses). */
  peek(file: string): FileFacts | null {
    return this.byFile.get(file) ?? null;
  }
}

type Sym =
  | { kind: 'module'; facts: FileFacts }
  | { kind: 'def'; facts: FileFacts; fn: RawFunction }
  | { kind: 'class'; facts: FileFacts; cls: RawClass }
  | { kind: 'method'; facts: FileFacts; fn: RawFunction }
  | { kind: 'assign'; facts: FileFacts; assign: ModuleAssign };

interface AppRec {
  app: CeleryApp;
  facts: FileFacts;
  namespace: string | null;
}

class Linker {
  private apps = new Map<string, AppRec>(); // key: scope \0 variable
  private appIds = new Set<string>();
  private factoryApps = new Map<string, AppRec>(); // function id -> app it returns
  private sources: ConfigSource[] = [];
  private referencedConfigFiles = new Set<string>();
  private taskFunctionIds = new Set<string>();
  /** set once task code is linked: from then on lookups use only files already read (see buildFunctions) */
  private noLoad = false;

  constructor(private loader: FileLoader, private index: ModuleIndex, private model: ProjectModel) {}

  /**
   * Every file read so far. It grows while linking (a lookup may parse a file the pre-filter skipped);
   * loops use for-of over this live array, so files added during a loop are visited too.
   */
  private get all(): FileFacts[] {
    return this.loader.loaded;
  }

  /** Facts of the project files whose path matches, in path order, parsing them if needed. */
  private filesWhere(pred: (file: string) => boolean): FileFacts[] {
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
    this.buildConfigSources();
    this.buildTasks();
    this.buildFunctions();
    this.buildModuleTables();
    const apps = [...this.apps.values()].map((r) => r.app);
    const uniq = [...new Map(apps.map((a) => [a.id, a])).values()];
    this.model.apps.push(...uniq.sort((a, b) => byLoc(a.loc, b.loc)));
    this.model.configSources.push(...this.sources.sort((a, b) => cmp(a.file, b.file) || byLoc(a.loc, b.loc) || cmp(a.id, b.id)));
  }

  // ---------- resolution ----------

  private findModule(name: string): FileFacts | undefined {
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
  private importTarget(facts: FileFacts, fn: RawFunction | null, head: string): string | undefined {
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

  private vctx(facts: FileFacts, fn: RawFunction | null = null): ValueContext {
    return { pf: facts.pf, resolve: (d) => this.resolveWritten(facts, fn, d), constant: (n) => facts.assignByName.get(n)?.value };
  }

  // ---------- apps ----------

  private buildApps(): void {
    for (const facts of this.all) {
      for (const ctor of facts.appCtors) {
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
        const scope = ctor.fn ? ctor.fn.def.id : facts.pf.file;
        if (!this.apps.has(`${scope}\0${ctor.variable}`)) this.apps.set(`${scope}\0${ctor.variable}`, rec);
        if (ctor.fn && (ctor.fn.returnsCeleryCall || ctor.fn.returnedNames.has(ctor.variable))) this.factoryApps.set(ctor.fn.def.id, rec);
      }
    }
  }

  /** The app a receiver expression (`app`, `celery_app`, `core.celery_app`) refers to, if known. */
  appFor(facts: FileFacts, fn: RawFunction | null, receiver: string, depth = 0): AppRec | null {
    if (depth > 6 || receiver.includes('(')) return null;
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

  // ---------- config sources ----------

  private settingsFromAssigns(facts: FileFacts, assigns: { name: string; target: PNode; value: PNode; stmt: PNode }[]): SettingAssignment[] {
    const vc = this.vctx(facts);
    return assigns.map((a) => ({
      name: a.name, value: evalValue(vc, a.value), valueText: textOf(facts.pf, a.value), loc: locOf(facts.pf, a.stmt), keyLoc: locOf(facts.pf, a.target),
    }));
  }

  private addSource(src: Omit<ConfigSource, 'id'>, app: AppRec | null, idHint: string): ConfigSource {
    let id = `${src.kind}:${src.file}${idHint}`;
    let n = 2;
    while (this.sources.some((s) => s.id === id)) id = `${src.kind}:${src.file}${idHint}#${n++}`;
    const cs: ConfigSource = { id, ...src };
    this.sources.push(cs);
    if (app) app.app.configSourceIds.push(id);
    return cs;
  }

  private buildConfigSources(): void {
    // Celery(broker=..., backend=..., include=...)
    for (const rec of new Set(this.apps.values())) {
      const facts = rec.facts;
      const ctor = facts.appCtors.find((c) => `${facts.info.module}:${c.variable}` === rec.app.id || locOf(facts.pf, c.call.parent?.type === 'assignment' ? c.call.parent : c.call).line === rec.app.loc.line);
      if (!ctor) continue;
      const { keywords } = callArgs(ctor.call);
      const settings: SettingAssignment[] = [];
      const vc = this.vctx(facts, ctor.fn);
      for (const k of keywords) {
        const key = textOf(facts.pf, k.name);
        const name = key === 'broker' ? 'broker_url' : key === 'backend' ? 'result_backend' : key === 'include' ? 'include' : null;
        if (!name) continue;
        settings.push({ name, value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) });
      }
      if (settings.length > 0) {
        this.addSource({ kind: 'celery-ctor', file: facts.pf.file, loc: locOf(facts.pf, ctor.call), namespace: null, appId: rec.app.id, settings }, rec, `:${rec.app.loc.line}`);
      }
      const cfgSrc = keywords.find((k) => textOf(facts.pf, k.name) === 'config_source');
      if (cfgSrc) this.configFromObject(facts, ctor.fn, ctor.call, cfgSrc.value, rec, rec.namespace);
    }

    for (const facts of this.all) {
      // app.conf.x = v / app.conf['x'] = v, grouped per app and file
      const groups = new Map<string, { rec: AppRec | null; sets: FileFacts['confAttrs'] }>();
      for (const s of facts.confAttrs) {
        const rec = this.appFor(facts, s.fn, s.receiver);
        const key = rec ? rec.app.id : `?${s.receiver}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { rec, sets: [] }));
        g.sets.push(s);
      }
      for (const g of groups.values()) {
        const first = g.sets[0]!;
        const settings = g.sets.map((s) => ({
          name: s.key, value: evalValue(this.vctx(facts, s.fn), s.value), valueText: textOf(facts.pf, s.value), loc: locOf(facts.pf, s.stmt), keyLoc: locOf(facts.pf, s.keyNode),
        }));
        this.addSource({ kind: 'conf-attr', file: facts.pf.file, loc: locOf(facts.pf, first.stmt), namespace: null, appId: g.rec?.app.id ?? null, settings }, g.rec, `:${first.receiver}`);
      }

      for (const c of facts.appCalls) {
        const rec = this.appFor(facts, c.fn, c.receiver);
        const loc = locOf(facts.pf, c.call);
        const { positional, keywords, splats } = callArgs(c.call);
        const kw = (n: string): PNode | undefined => keywords.find((k) => textOf(facts.pf, k.name) === n)?.value;
        switch (c.method) {
          case 'autodiscover_tasks':
            if (rec) rec.app.autodiscover = true;
            break;
          case 'config_from_envvar':
            this.model.notes.push({ level: 'info', file: facts.pf.file, message: `line ${loc.line}: config_from_envvar(${textOf(facts.pf, child(c.call, 'arguments') ?? c.call).slice(1, -1)}) reads a module named at run time; its settings are not checked` });
            break;
          case 'config_from_object': {
            const obj = kw('obj') ?? positional[0];
            const nsNode = kw('namespace');
            const ns = nsNode ? evalValue(this.vctx(facts, c.fn), nsNode) : null;
            if (obj) this.configFromObject(facts, c.fn, c.call, obj, rec, ns?.kind === 'str' ? ns.value : (rec?.namespace ?? null));
            break;
          }
          case 'conf.update': {
            const settings: SettingAssignment[] = [];
            const vc = this.vctx(facts, c.fn);
            for (const k of keywords) {
              settings.push({ name: textOf(facts.pf, k.name), value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) });
            }
            const opaque: string[] = [];
            for (const p of [...positional, ...splats.map((s) => s.children[0]).filter((x): x is PNode => !!x)]) {
              const dict = this.dictNode(facts, c.fn, p);
              if (!dict) {
                const written = textOf(facts.pf, p);
                const flask = /^[A-Za-z_][\w.]*\.config$/.test(written) ? this.flaskConfig() : null;
                if (flask) {
                  for (const f of flask) this.addSource({ kind: 'config-object', file: f.file, loc, namespace: null, appId: rec?.app.id ?? null, objectRef: f.ref, settings: f.settings, viaConfUpdate: 'flask-config' }, rec, `:${loc.line}`);
                } else opaque.push(written);
                continue;
              }
              settings.push(...this.dictSettings(dict.facts, dict.node));
            }
            this.addSource({ kind: 'conf-update', file: facts.pf.file, loc, namespace: null, appId: rec?.app.id ?? null, settings, ...(opaque.length ? { opaque } : {}) }, rec, `:${loc.line}`);
            break;
          }
          default:
            break; // register_task / tasks.register: class-based tasks are found by their base class
        }
      }
    }

    // celeryconfig.py that nothing references: Celery's default loader reads it
    for (const facts of this.all) {
      const base = facts.pf.file.slice(facts.pf.file.lastIndexOf('/') + 1);
      if (base !== 'celeryconfig.py' || this.referencedConfigFiles.has(facts.pf.file)) continue;
      this.addSource({ kind: 'config-module', file: facts.pf.file, loc: { file: facts.pf.file, line: 1, column: 1 }, namespace: null, appId: null, objectRef: facts.info.module, settings: this.settingsFromAssigns(facts, facts.assigns) }, null, '');
    }
  }

  /**
   * What Flask's app.config holds, from every `X.config.from_object(...)` / `X.config.update(...)` in the
   * project (Flask apps are built in factories, so the receiver is not followed): one entry per source.
   * null when any loader is one jobctl cannot read (from_pyfile, from_envvar, an object chosen at run time):
   * then the keys are not all known.
   */
  private flaskConfig(): { file: string; ref: string; settings: SettingAssignment[] }[] | null {
    const out: { file: string; ref: string; settings: SettingAssignment[] }[] = [];
    for (const facts of this.all) {
      for (const c of facts.appCalls) {
        if (!c.method.startsWith('flask:')) continue;
        const { positional, keywords, splats } = callArgs(c.call);
        if (c.method === 'flask:update' || c.method === 'flask:from_mapping') {
          if (splats.length > 0) return null;
          const vc = this.vctx(facts, c.fn);
          const settings: SettingAssignment[] = keywords.map((k) => ({ name: textOf(facts.pf, k.name), value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) }));
          for (const p of positional) {
            const dict = this.dictNode(facts, c.fn, p);
            if (!dict) return null;
            settings.push(...this.dictSettings(dict.facts, dict.node));
          }
          out.push({ file: facts.pf.file, ref: `${c.receiver}.config`, settings });
          continue;
        }
        if (c.method !== 'flask:from_object' || positional.length !== 1) return null;
        const obj = positional[0]!;
        const v = evalValue(this.vctx(facts, c.fn), obj);
        let sym: Sym | null = null;
        let ref = textOf(facts.pf, obj);
        if (v.kind === 'str') {
          ref = v.value;
          const [modPart, attr] = ref.includes(':') ? (ref.split(':', 2) as [string, string]) : [ref.slice(0, ref.lastIndexOf('.')), ref.slice(ref.lastIndexOf('.') + 1)];
          sym = this.lookup(`${modPart}.${attr}`);
          if (!sym) {
            const m = this.findModule(ref);
            if (m) sym = { kind: 'module', facts: m };
          }
        } else {
          const w = dottedName(facts.pf, obj);
          sym = w ? this.lookupName(facts, c.fn, w) : null;
        }
        if (sym?.kind === 'class') out.push({ file: sym.facts.pf.file, ref, settings: this.classAttrs(sym.facts, sym.cls) });
        else if (sym?.kind === 'module') out.push({ file: sym.facts.pf.file, ref, settings: this.settingsFromAssigns(sym.facts, sym.facts.assigns).filter((a) => a.name === a.name.toUpperCase()) });
        else return null;
      }
    }
    return out.length > 0 ? out : null;
  }

  /** A dict literal for conf.update(...): inline, dict(...), or a module-level NAME = {...} */
  private dictNode(facts: FileFacts, fn: RawFunction | null, n: PNode): { facts: FileFacts; node: PNode } | null {
    if (n.type === 'dictionary') return { facts, node: n };
    if (n.type === 'call') {
      const f = child(n, 'function');
      if (f && textOf(facts.pf, f) === 'dict') return { facts, node: n };
      return null;
    }
    const w = dottedName(facts.pf, n);
    if (!w) return null;
    const s = this.lookupName(facts, fn, w);
    if (s?.kind === 'assign' && (s.assign.value.type === 'dictionary' || s.assign.value.type === 'call')) return this.dictNode(s.facts, null, s.assign.value);
    return null;
  }

  private dictSettings(facts: FileFacts, n: PNode): SettingAssignment[] {
    const out: SettingAssignment[] = [];
    const vc = this.vctx(facts);
    if (n.type === 'call') {
      for (const k of callArgs(n).keywords) {
        out.push({ name: textOf(facts.pf, k.name), value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) });
      }
      return out;
    }
    for (const pair of n.children) {
      if (pair.type !== 'pair') continue;
      const k = child(pair, 'key');
      const v = child(pair, 'value');
      if (!k || !v || k.type !== 'string') continue;
      const key = stringValue(textOf(facts.pf, k));
      if (key === null) continue;
      out.push({ name: key, value: evalValue(vc, v), valueText: textOf(facts.pf, v), loc: locOf(facts.pf, pair), keyLoc: locOf(facts.pf, k) });
    }
    return out;
  }

  private classAttrs(facts: FileFacts, cls: RawClass, seen = new Set<RawClass>()): SettingAssignment[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    const inherited: SettingAssignment[] = [];
    for (const b of cls.bases) {
      const s = this.lookupName(facts, null, b);
      if (s?.kind === 'class') inherited.push(...this.classAttrs(s.facts, s.cls, seen));
    }
    const own = this.settingsFromAssigns(facts, cls.attrs.map((a) => ({ name: a.name, target: a.key, value: a.value, stmt: a.stmt })));
    const ownNames = new Set(own.map((s) => s.name));
    return [...inherited.filter((s) => !ownNames.has(s.name)), ...own];
  }

  private configFromObject(facts: FileFacts, fn: RawFunction | null, call: PNode, obj: PNode, rec: AppRec | null, namespace: string | null): void {
    const loc = locOf(facts.pf, call);
    const hint = `@${facts.pf.file}:${loc.line}`;
    const appId = rec?.app.id ?? null;
    const objText = textOf(facts.pf, obj);
    const unresolved = (kind: 'config-module' | 'config-object', ref: string): void => {
      this.model.notes.push({ level: 'info', file: facts.pf.file, message: `line ${loc.line}: config_from_object(${objText}) names nothing found in the project; its settings are not checked` });
      this.addSource({ kind, file: facts.pf.file, loc, namespace, appId, objectRef: ref, settings: [] }, rec, hint);
    };
    const fromSym = (s: Sym | null, ref: string): boolean => {
      if (!s) return false;
      if (s.kind === 'module') {
        this.referencedConfigFiles.add(s.facts.pf.file);
        this.addSource({ kind: 'config-module', file: s.facts.pf.file, loc, namespace, appId, objectRef: ref, settings: this.settingsFromAssigns(s.facts, s.facts.assigns) }, rec, hint);
        return true;
      }
      if (s.kind === 'class') {
        this.addSource({ kind: 'config-object', file: s.facts.pf.file, loc, namespace, appId, objectRef: ref, settings: this.classAttrs(s.facts, s.cls) }, rec, hint);
        return true;
      }
      if (s.kind === 'assign' && s.assign.value.type === 'call') {
        // settings = Settings(); app.config_from_object(settings)
        const f = child(s.assign.value, 'function');
        const w = f ? dottedName(s.facts.pf, f) : null;
        const c = w ? this.lookupName(s.facts, null, w) : null;
        if (c?.kind === 'class') {
          this.addSource({ kind: 'config-object', file: c.facts.pf.file, loc, namespace, appId, objectRef: ref, settings: this.classAttrs(c.facts, c.cls) }, rec, hint);
          return true;
        }
      }
      return false;
    };

    const v = evalValue(this.vctx(facts, fn), obj);
    if (v.kind === 'str') {
      const ref = v.value;
      if (ref === 'django.conf:settings' || ref === 'django.conf.settings') {
        this.djangoSources(facts, loc, namespace, rec, ref, hint);
        return;
      }
      const [modPart, attr] = ref.includes(':') ? ref.split(':', 2) as [string, string] : [ref, undefined];
      if (attr !== undefined) {
        if (!fromSym(this.lookup(`${modPart}.${attr}`), ref)) unresolved('config-object', ref);
        return;
      }
      const m = this.findModule(ref) ?? this.findModuleLoose(ref);
      if (m) fromSym({ kind: 'module', facts: m }, ref);
      else if (!fromSym(this.lookup(ref), ref)) unresolved('config-module', ref);
      return;
    }
    const w = dottedName(facts.pf, obj);
    if (w && fromSym(this.lookupName(facts, fn, w), w)) return;
    unresolved('config-object', objText);
  }

  /** 'celeryconfig' when the project computes 'proj.celeryconfig' (or the reverse) */
  private findModuleLoose(ref: string): FileFacts | undefined {
    const last = ref.split('.').pop()!;
    const cands = [...this.index.all()].filter((f) => f.module === ref || f.module.endsWith(`.${ref}`) || ref.endsWith(`.${f.module}`) || (f.module.split('.').pop() === last && ref.split('.').length === 1));
    return cands.length === 1 ? (this.loader.load(cands[0]!.file) ?? undefined) : undefined;
  }

  private djangoSources(facts: FileFacts, loc: Location, namespace: string | null, rec: AppRec | null, ref: string, hint: string): void {
    const baseName = (f: FileFacts): string => f.pf.file.slice(f.pf.file.lastIndexOf('/') + 1);
    const order = [facts, ...this.all.filter((f) => baseName(f) === 'manage.py'), ...this.all.filter((f) => baseName(f) === 'wsgi.py' || baseName(f) === 'asgi.py'), ...this.all];
    let dsm: string | null = null;
    for (const f of order) {
      if (f.djangoSettingsModule) {
        dsm = f.djangoSettingsModule;
        break;
      }
    }
    let targets: FileFacts[] = [];
    const target = dsm ? (this.findModule(dsm) ?? this.findModuleLoose(dsm)) : undefined;
    if (target) {
      const dir = target.pf.file.includes('/') ? target.pf.file.slice(0, target.pf.file.lastIndexOf('/')) : '';
      const inSettingsPkg = target.info.isPackage || dir.endsWith('settings') || (/settings/i.test(dir) && this.index.byFile.get(`${dir}/__init__.py`)?.isPackage === true);
      targets = inSettingsPkg ? this.filesWhere((f) => (dir ? f.startsWith(`${dir}/`) : !f.includes('/')) && !f.slice(dir.length + 1).includes('/')) : [target];
    } else {
      targets = this.filesWhere((f) => /(^|\/)settings\.py$/.test(f) || /(^|\/)settings\/[^/]+\.py$/.test(f));
      if (dsm) this.model.notes.push({ level: 'info', file: facts.pf.file, message: `DJANGO_SETTINGS_MODULE '${dsm}' is not a file of the project; read ${targets.length} settings file(s) found by name` });
    }
    if (targets.length === 0) {
      this.model.notes.push({ level: 'info', file: facts.pf.file, message: `line ${loc.line}: config_from_object('${ref}') but no Django settings module was found in the project` });
      return;
    }
    for (const t of targets) {
      this.referencedConfigFiles.add(t.pf.file);
      this.addSource({ kind: 'django-settings', file: t.pf.file, loc, namespace, appId: rec?.app.id ?? null, objectRef: ref, isDjangoConfSettings: ref === 'django.conf:settings', settings: this.settingsFromAssigns(t, t.assigns) }, rec, hint);
    }
  }

  // ---------- tasks ----------

  private buildTasks(): void {
    const tasks: TaskDef[] = [];
    for (const facts of this.all) {
      for (const fn of facts.decorated) {
        const t = this.decoratedTask(facts, fn);
        if (t) tasks.push(t);
      }
      for (const cls of facts.allClasses) {
        const run = cls.methods.get('run');
        if (!run || !this.isTaskClass(facts, cls, 0)) continue;
        const opts: Record<string, PyValue> = {};
        const optionLocs: Record<string, Location> = {};
        const vc = this.vctx(facts);
        for (const a of cls.attrs) {
          opts[a.name] = evalValue(vc, a.value);
          optionLocs[a.name] = locOf(facts.pf, a.stmt);
        }
        const nameOpt = opts['name'];
        tasks.push({
          name: nameOpt?.kind === 'str' ? nameOpt.value : `${facts.info.module}.${cls.name}`, explicitName: nameOpt?.kind === 'str', functionId: run.def.id, functionName: run.def.name,
          module: facts.info.module, file: facts.pf.file, loc: locOf(facts.pf, cls.node), decorator: 'class', appVariable: null, options: opts, optionLocs,
          isAsync: run.def.isAsync, params: run.def.params, bodyText: this.bodyText(facts.pf, run),
        });
      }
    }
    for (const t of tasks) this.taskFunctionIds.add(t.functionId);
    this.model.tasks.push(...tasks.sort((a, b) => byLoc(a.loc, b.loc)));
  }

  private isTaskClass(facts: FileFacts, cls: RawClass, depth: number): boolean {
    if (depth > 6) return false;
    for (const b of cls.bases) {
      const r = this.resolveWritten(facts, null, b);
      if (TASK_BASES.has(r)) return true;
      if (r === 'Task' && facts.importsCelery) return true;
      if (b.endsWith('.Task') && this.appFor(facts, null, b.slice(0, -5))) return true;
      const s = this.lookupName(facts, null, b);
      if (s?.kind === 'class' && s.cls !== cls && this.isTaskClass(s.facts, s.cls, depth + 1)) return true;
    }
    return false;
  }

  private decoratedTask(facts: FileFacts, fn: RawFunction): TaskDef | null {
    const pf = facts.pf;
    for (const d of fn.decorators) {
      const expr = d.children[0];
      if (!expr) continue;
      const isCall = expr.type === 'call';
      const fnode = isCall ? child(expr, 'function') : expr;
      const written = fnode ? dottedName(pf, fnode) : null;
      if (!written) continue;
      const resolved = this.resolveWritten(facts, fn.parent, written);
      let decorator: TaskDecorator | null = null;
      let appVariable: string | null = null;
      const fromImport = this.importTarget(facts, fn.parent, written.split('.')[0]!) !== undefined;
      if (written === 'shared_task' || resolved.endsWith('.shared_task') || (resolved === 'celery.task' && fromImport)) {
        decorator = 'shared_task';
      } else if (written.endsWith('.task') && written.length > 5) {
        const receiver = written.slice(0, -5);
        const rec = this.appFor(facts, fn.parent, receiver);
        const last = receiver.split('.').pop()!;
        const rs = rec ? null : this.lookupName(facts, fn.parent, receiver);
        if (rec || facts.importsCelery || rs?.kind === 'assign' || /celery|^app$|_app$|^app_/i.test(last)) {
          decorator = 'app.task';
          appVariable = receiver;
        }
      }
      if (!decorator) continue;
      const options: Record<string, PyValue> = {};
      const optionLocs: Record<string, Location> = {};
      if (isCall) {
        const vc = this.vctx(facts, fn.parent);
        for (const k of callArgs(expr).keywords) {
          const key = textOf(pf, k.name);
          options[key] = evalValue(vc, k.value);
          optionLocs[key] = locOf(pf, k.node);
        }
      }
      const nameOpt = options['name'];
      return {
        name: nameOpt?.kind === 'str' ? nameOpt.value : `${facts.info.module}.${fn.def.name}`, explicitName: nameOpt?.kind === 'str', functionId: fn.def.id,
        functionName: fn.def.name, module: facts.info.module, file: pf.file, loc: locOf(pf, d), decorator, appVariable, options, optionLocs,
        isAsync: fn.def.isAsync, params: fn.def.params, bodyText: this.bodyText(pf, fn),
      };
    }
    return null;
  }

  private bodyText(pf: PFile, fn: RawFunction): string {
    const body = fn.body;
    if (!body) return '';
    const defLine = lineOf(pf, fn.node.start);
    const bodyLine = lineOf(pf, body.start);
    const start = bodyLine > defLine ? pf.lineStarts[bodyLine - 1]! : body.start;
    return pf.text.slice(start, body.end);
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

