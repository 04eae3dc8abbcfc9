// Per-file facts: one pass over the light tree of one file. Nothing here looks at other files;
// cross-module resolution happens in link.ts.
import type { CallSite, FunctionDef, PyValue } from '../types.js';
import type { ModuleInfo } from './modules.js';
import { resolveRelative } from './modules.js';
import { child, locOf, textOf, type PFile, type PNode } from './tree.js';
import { callArgs, dottedName, evalValue, stringValue, type ValueContext } from './values.js';

export interface RawFunction {
  def: FunctionDef;
  qual: string;
  node: PNode;
  body: PNode | undefined;
  decorators: PNode[];
  className: string | null;
  cls: RawClass | null;
  parent: RawFunction | null;
  nested: Map<string, string>;
  imports: Map<string, string>;
  /** written callee per call, parallel to def.calls */
  written: string[];
  reads: Set<string>;
  attrReads: Set<string>;
  locals: Set<string>;
  globals: Set<string>;
  returnedNames: Set<string>;
  returnsCeleryCall: boolean;
}

export interface RawClass {
  name: string;
  qual: string;
  node: PNode;
  bases: string[];
  methods: Map<string, RawFunction>;
  attrs: { name: string; key: PNode; value: PNode; stmt: PNode }[];
  moduleLevel: boolean;
}

export interface ModuleAssign {
  name: string;
  target: PNode;
  value: PNode;
  stmt: PNode;
}

export interface AppCtor {
  variable: string;
  call: PNode;
  fn: RawFunction | null;
  /** `x = current_app`: Celery's current (default) app, an app of its own only when the project creates none */
  current?: boolean;
}

export interface AppMethodCall {
  receiver: string;
  method: 'conf.update' | 'conf.setdefault' | 'config_from_object' | 'config_from_envvar' | 'autodiscover_tasks' | 'register_task' | 'tasks.register';
  call: PNode;
  fn: RawFunction | null;
}

export interface ConfAttrSet {
  receiver: string;
  key: string;
  keyNode: PNode;
  value: PNode;
  stmt: PNode;
  fn: RawFunction | null;
}

/** `os.environ.setdefault(K, V)` / `os.environ[K] = V`: key and value nodes (resolved by the linker). */
export interface EnvDefault {
  key: PNode;
  value: PNode;
  node: PNode;
  fn: RawFunction | null;
}

/** Flask's config class, built apart from an app (`flask.Config(root)`) and handed to one later. */
const FLASK_CONFIG_CLASS = new Set(['flask.Config', 'flask.config.Config']);

/** What a Flask-style `<x>.config` receives: `['K'] = v`, `.update(...)`, `.from_object(...)`, `.from_pyfile(...)` … */
export interface FlaskConfigUse {
  receiver: string;
  kind: 'set' | 'update' | 'from_object' | 'from_mapping' | 'from_other';
  /** for 'set': the key and its node; for calls: the method name */
  key: string;
  keyNode: PNode;
  /** for 'set': the value; for calls: the call */
  node: PNode;
  stmt: PNode;
  fn: RawFunction | null;
  /** the receiver is a local `flask.Config(...)` object of the function, not an app's `.config` */
  standalone?: true;
}

/** `from x import *` at module level (also inside if/try blocks). */
export interface StarImport {
  module: string;
  node: PNode;
  /** inside a try block: an optional import (`try: from .local import *` / `except ImportError: pass`) */
  inTry: boolean;
}

/** `app.task(fn)` / `app.task(name='x')(fn)` / `shared_task(fn)` called as a function (not a decorator). */
export interface TaskCall {
  /** the `X.task(...)` / `shared_task(...)` call */
  call: PNode;
  /** the function made a task: the call's first argument, or the argument of the call applied to it */
  target: PNode;
  written: string;
  fn: RawFunction | null;
}

export interface FileFacts {
  pf: PFile;
  info: ModuleInfo;
  imports: Map<string, string>;
  importsCelery: boolean;
  defs: Map<string, RawFunction>;
  classes: Map<string, RawClass>;
  allClasses: RawClass[];
  functions: RawFunction[];
  assigns: ModuleAssign[];
  assignByName: Map<string, ModuleAssign>;
  moduleCalls: CallSite[];
  moduleCallsWritten: string[];
  appCtors: AppCtor[];
  appCalls: AppMethodCall[];
  confAttrs: ConfAttrSet[];
  djangoSettingsModule: string | null;
  decorated: RawFunction[];
  envDefaults: EnvDefault[];
  flaskConfig: FlaskConfigUse[];
  starImports: StarImport[];
  /** module-level `vars().update(...)` / `globals().update(...)` / `exec(...)`: names set at run time */
  dynamicGlobals: PNode[];
  taskCalls: TaskCall[];
}

interface Ctx {
  fn: RawFunction | null;
  cls: RawClass | null;
  inAwait: boolean;
  prefix: string;
}

/** Celery's current app as imported: `from celery import current_app` (the default app when none is created) */
export const CURRENT_APP = new Set(['celery.current_app', 'celery._state.current_app', 'celery.app.current_app']);

const APP_METHODS: [string, AppMethodCall['method']][] = [
  ['.conf.update', 'conf.update'],
  ['.conf.setdefault', 'conf.setdefault'],
  ['.config_from_object', 'config_from_object'],
  ['.config_from_envvar', 'config_from_envvar'],
  ['.autodiscover_tasks', 'autodiscover_tasks'],
  ['.register_task', 'register_task'],
  ['.tasks.register', 'tasks.register'],
];

/** The callee text as written: `a.b`, `f().get` for call chains, raw text otherwise. */
export function calleeText(pf: PFile, n: PNode): string {
  if (n.type === 'identifier') return textOf(pf, n);
  if (n.type === 'attribute') {
    const obj = child(n, 'object');
    const attr = child(n, 'attribute');
    if (obj && attr) return `${calleeText(pf, obj)}.${textOf(pf, attr)}`;
  }
  if (n.type === 'call') {
    const f = child(n, 'function');
    if (f) return `${calleeText(pf, f)}()`;
  }
  if (n.type === 'parenthesized_expression' && n.children.length === 1 && /^(identifier|attribute|call)$/.test(n.children[0]!.type)) return calleeText(pf, n.children[0]!);
  return textOf(pf, n).replace(/\s+/g, ' ');
}

export function extractFile(pf: PFile, info: ModuleInfo): FileFacts {
  const facts: FileFacts = {
    pf, info, imports: new Map(), importsCelery: false, defs: new Map(), classes: new Map(), allClasses: [], functions: [],
    assigns: [], assignByName: new Map(), moduleCalls: [], moduleCallsWritten: [], appCtors: [], appCalls: [], confAttrs: [],
    djangoSettingsModule: null, decorated: [], envDefaults: [], flaskConfig: [], starImports: [], dynamicGlobals: [], taskCalls: [],
  };
  // module-level assignments first, so constants can be substituted anywhere in the file
  collectModuleAssigns(pf, pf.root, facts);

  const resolve = (written: string, fn: RawFunction | null): string => {
    if (!/^[A-Za-z_]/.test(written)) return written;
    const dot = written.search(/[.(]/);
    const head = dot < 0 ? written : written.slice(0, dot);
    const rest = dot < 0 ? '' : written.slice(dot);
    for (let f = fn; f; f = f.parent) {
      const t = f.imports.get(head);
      if (t !== undefined) return t + rest;
      if (f.locals.has(head)) return written;
    }
    const t = facts.imports.get(head);
    return t !== undefined ? t + rest : written;
  };
  const constant = (name: string): PNode | undefined => facts.assignByName.get(name)?.value;
  /** `cfg = flask.Config(root)` per function (null: module level): a Flask config object built apart from an app */
  const configObjects = new Map<RawFunction | null, Set<string>>();
  const isConfigObject = (name: string, fn: RawFunction | null): boolean => configObjects.get(fn)?.has(name) ?? false;
  const vctx = (fn: RawFunction | null): ValueContext => ({ pf, resolve: (d) => resolve(d, fn), constant });

  const visit = (n: PNode, ctx: Ctx): void => {
    switch (n.type) {
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        addImports(pf, info, n, ctx.fn ? ctx.fn.imports : facts.imports, facts);
        return;
      case 'decorated_definition': {
        const decorators = n.children.filter((c) => c.type === 'decorator');
        for (const d of decorators) for (const c of d.children) visit(c, ctx);
        const def = child(n, 'definition');
        if (def?.type === 'function_definition') visitFunction(def, ctx, decorators);
        else if (def?.type === 'class_definition') visitClass(def, ctx);
        return;
      }
      case 'function_definition':
        visitFunction(n, ctx, []);
        return;
      case 'class_definition':
        visitClass(n, ctx);
        return;
      case 'await':
        for (const c of n.children) visit(c, { ...ctx, inAwait: true });
        return;
      case 'call':
        recordCall(n, ctx);
        break;
      case 'assignment':
      case 'augmented_assignment':
        onAssignment(n, ctx);
        break;
      case 'global_statement':
      case 'nonlocal_statement':
        if (ctx.fn) for (const c of n.children) if (c.type === 'identifier') ctx.fn.globals.add(textOf(pf, c));
        return;
      case 'return_statement':
        if (ctx.fn) {
          const v = n.children[0];
          if (v?.type === 'identifier') ctx.fn.returnedNames.add(textOf(pf, v));
          if (v?.type === 'call' && isCeleryCtor(v, ctx.fn)) {
            ctx.fn.returnsCeleryCall = true;
            facts.appCtors.push({ variable: ctx.fn.def.name, call: v, fn: ctx.fn });
          }
        }
        break;
      case 'for_statement':
      case 'for_in_clause':
        if (ctx.fn) {
          const left = child(n, 'left');
          if (left) bindNames(pf, left, ctx.fn.locals);
        }
        break;
      case 'as_pattern':
        if (ctx.fn) {
          const alias = child(n, 'alias');
          if (alias) bindNames(pf, alias, ctx.fn.locals);
        }
        break;
      case 'named_expression':
        if (ctx.fn) {
          const name = child(n, 'name');
          if (name) bindNames(pf, name, ctx.fn.locals);
        }
        break;
      case 'identifier':
        if (ctx.fn) {
          const p = n.parent;
          if (p && p.type === 'attribute' && n.field === 'attribute') return;
          if (p && p.type === 'keyword_argument' && n.field === 'name') return;
          ctx.fn.reads.add(textOf(pf, n));
        }
        return;
      case 'attribute':
        if (ctx.fn) {
          const obj = child(n, 'object');
          const attr = child(n, 'attribute');
          if (obj?.type === 'identifier' && attr) ctx.fn.attrReads.add(`${textOf(pf, obj)}.${textOf(pf, attr)}`);
        }
        break;
      case 'string':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
        return;
      default:
        break;
    }
    for (const c of n.children) visit(c, ctx);
  };

  const isCeleryCtor = (call: PNode, fn: RawFunction | null): boolean => {
    const f = child(call, 'function');
    if (!f) return false;
    const w = dottedName(pf, f);
    if (!w) return false;
    const r = resolve(w, fn);
    if (isCeleryClassName(r) || w === 'Celery') return true;
    // `class MyCelery(Celery): …; app = MyCelery(…)`: a subclass of this file is an app too (imported ones: Linker.buildApps)
    const cls = facts.classes.get(w);
    return !!cls && celerySubclass(cls, 0);
  };
  const celerySubclass = (cls: RawClass, depth: number): boolean => depth < 6 && cls.bases.some((b) => {
    if (isCeleryClassName(resolve(b, null))) return true;
    const own = facts.classes.get(b);
    return !!own && own !== cls && celerySubclass(own, depth + 1);
  });

  const visitFunction = (n: PNode, ctx: Ctx, decorators: PNode[]): void => {
    const nameNode = child(n, 'name');
    const name = nameNode ? textOf(pf, nameNode) : '<anonymous>';
    const qual = ctx.prefix ? `${ctx.prefix}.${name}` : name;
    const params: string[] = [];
    const paramsNode = child(n, 'parameters');
    const raw: RawFunction = {
      def: {
        id: `${info.module}:${qual}`, name, module: info.module, file: pf.file, loc: locOf(pf, n),
        isAsync: n.children.some((c) => c.type === 'async'), params, calls: [], callees: [], moduleGlobalsUsed: [],
      },
      qual, node: n, body: child(n, 'body'), decorators, className: ctx.cls ? ctx.cls.name : null, cls: ctx.cls,
      parent: ctx.fn, nested: new Map(), imports: new Map(), written: [], reads: new Set(), attrReads: new Set(), locals: new Set(),
      globals: new Set(), returnedNames: new Set(), returnsCeleryCall: false,
    };
    if (paramsNode) {
      for (const p of paramsNode.children) {
        const pn = paramName(pf, p);
        if (pn) {
          params.push(pn);
          raw.locals.add(pn.replace(/^\*+/, ''));
        }
        // defaults and annotations run in the enclosing scope
        for (const c of p.children) if (c.field === 'value' || c.field === 'type') visit(c, ctx);
      }
    }
    const ret = child(n, 'return_type');
    if (ret) visit(ret, ctx);
    if (ctx.cls) ctx.cls.methods.set(name, raw);
    else if (ctx.fn) {
      ctx.fn.nested.set(name, raw.def.id);
      ctx.fn.locals.add(name);
    } else facts.defs.set(name, raw);
    facts.functions.push(raw);
    if (decorators.length > 0) facts.decorated.push(raw);
    if (raw.body) visit(raw.body, { fn: raw, cls: null, inAwait: false, prefix: qual });
  };

  const visitClass = (n: PNode, ctx: Ctx): void => {
    const nameNode = child(n, 'name');
    const name = nameNode ? textOf(pf, nameNode) : '<anonymous>';
    const qual = ctx.prefix ? `${ctx.prefix}.${name}` : name;
    const bases: string[] = [];
    const sup = child(n, 'superclasses');
    if (sup) {
      for (const b of sup.children) {
        if (b.type === 'keyword_argument') continue;
        const d = dottedName(pf, b);
        if (d) bases.push(d);
      }
      visit(sup, ctx);
    }
    const cls: RawClass = { name, qual, node: n, bases, methods: new Map(), attrs: [], moduleLevel: !ctx.fn && !ctx.cls };
    facts.allClasses.push(cls);
    if (cls.moduleLevel) facts.classes.set(name, cls);
    if (ctx.fn) ctx.fn.locals.add(name);
    const body = child(n, 'body');
    if (body) {
      for (const stmt of body.children) {
        const a = stmt.type === 'expression_statement' ? stmt.children[0] : undefined;
        if (a?.type === 'assignment') {
          const value = innermostValue(a);
          for (const t of assignTargets(a)) if (t.type === 'identifier' && value) cls.attrs.push({ name: textOf(pf, t), key: t, value, stmt: a });
        }
      }
      visit(body, { fn: ctx.fn, cls, inAwait: ctx.inAwait, prefix: qual });
    }
  };

  const recordCall = (n: PNode, ctx: Ctx): void => {
    const f = child(n, 'function');
    if (!f) return;
    const written = calleeText(pf, f);
    const fn = ctx.fn;
    const resolved = resolve(written, fn);
    const { positional, keywords } = callArgs(n);
    const kwargs: Record<string, PyValue> = {};
    const vc = vctx(fn);
    for (const k of keywords) kwargs[textOf(pf, k.name)] = evalValue(vc, k.value);
    const args = child(n, 'arguments');
    let argsText = args ? textOf(pf, args) : '';
    if (args?.type === 'argument_list') argsText = argsText.slice(1, argsText.endsWith(')') ? -1 : undefined);
    const site: CallSite = {
      callee: written, resolved, loc: locOf(pf, n), argsText: argsText.trim(), kwargs, positionalCount: positional.length,
      inAsyncContext: ctx.inAwait || (fn?.def.isAsync ?? false),
    };
    if (fn) {
      fn.def.calls.push(site);
      fn.written.push(written);
    } else {
      facts.moduleCalls.push(site);
      facts.moduleCallsWritten.push(written);
    }
    if (!written.includes('(')) {
      for (const [suffix, method] of APP_METHODS) {
        if (written.endsWith(suffix) && written.length > suffix.length) {
          facts.appCalls.push({ receiver: written.slice(0, -suffix.length), method, call: n, fn });
          break;
        }
      }
    }
    if (!fn && /^(vars|globals)\(\)\.update$|^exec$/.test(written)) facts.dynamicGlobals.push(n);
    if ((/\.task$/.test(written) || written === 'shared_task') && n.parent?.type !== 'decorator') {
      // app.task(opts)(fn): this call is the function of the outer call
      const outer = n.parent?.type === 'call' && n.field === 'function' ? n.parent : null;
      const target = outer ? callArgs(outer).positional[0] : positional[0];
      if (target && (target.type === 'identifier' || target.type === 'attribute')) facts.taskCalls.push({ call: n, target, written, fn });
    }
    const flask = /^(.+)\.config\.(update|from_object|from_mapping|from_pyfile|from_envvar|from_file|from_prefixed_env)$/.exec(written);
    if (flask && !written.includes('(')) {
      const m = flask[2]!;
      const kind = m === 'update' || m === 'from_object' || m === 'from_mapping' ? m : 'from_other';
      facts.flaskConfig.push({ receiver: flask[1]!, kind, key: m, keyNode: f, node: n, stmt: n, fn });
    }
    const own = /^([A-Za-z_]\w*)\.(update|from_object|from_mapping|from_pyfile|from_envvar|from_file|from_prefixed_env)$/.exec(written);
    if (own && isConfigObject(own[1]!, fn)) {
      const m = own[2]!;
      const kind = m === 'update' || m === 'from_object' || m === 'from_mapping' ? m : 'from_other';
      facts.flaskConfig.push({ receiver: own[1]!, kind, key: m, keyNode: f, node: n, stmt: n, fn, standalone: true });
    }
    if (resolved === 'os.environ.setdefault' && positional.length >= 2) facts.envDefaults.push({ key: positional[0]!, value: positional[1]!, node: n, fn });
    if (resolved === 'os.environ.setdefault' && positional.length >= 2) {
      const k = positional[0]!;
      const v = positional[1]!;
      if (k.type === 'string' && stringValue(textOf(pf, k)) === 'DJANGO_SETTINGS_MODULE' && v.type === 'string') {
        facts.djangoSettingsModule ??= stringValue(textOf(pf, v));
      }
    }
  };

  const onAssignment = (n: PNode, ctx: Ctx): void => {
    const targets = assignTargets(n);
    const value = innermostValue(n);
    if (ctx.fn) for (const t of targets) bindNames(pf, t, ctx.fn.locals);
    if (value?.type === 'call' && isCeleryCtor(value, ctx.fn)) {
      for (const t of targets) {
        // `registry["celery.app"] = Celery(…)`: the app is named by that expression (as `….conf.update` receivers are)
        const d = dottedName(pf, t) ?? (t.type === 'subscript' ? calleeText(pf, t) : null);
        if (d) facts.appCtors.push({ variable: d, call: value, fn: ctx.fn });
      }
    }
    if ((value?.type === 'identifier' || value?.type === 'attribute') && CURRENT_APP.has(resolve(dottedName(pf, value) ?? '', ctx.fn))) {
      for (const t of targets) {
        const d = dottedName(pf, t);
        if (d) facts.appCtors.push({ variable: d, call: value, fn: ctx.fn, current: true });
      }
    }
    if (!value) return;
    const ctor = value.type === 'call' ? child(value, 'function') : undefined;
    if (ctor && FLASK_CONFIG_CLASS.has(resolve(calleeText(pf, ctor), ctx.fn))) {
      for (const t of targets) if (t.type === 'identifier') {
        if (!configObjects.has(ctx.fn)) configObjects.set(ctx.fn, new Set());
        configObjects.get(ctx.fn)!.add(textOf(pf, t));
      }
    }
    for (const t of targets) {
      if (t.type === 'attribute') {
        const obj = child(t, 'object');
        const attr = child(t, 'attribute');
        const d = obj ? dottedName(pf, obj) : null;
        if (d && attr && d.endsWith('.conf') && d.length > 5) {
          facts.confAttrs.push({ receiver: d.slice(0, -5), key: textOf(pf, attr), keyNode: attr, value, stmt: n, fn: ctx.fn });
        }
      } else if (t.type === 'subscript') {
        const obj = child(t, 'value');
        const sub = child(t, 'subscript');
        const d = obj ? dottedName(pf, obj) : null;
        if (d && sub?.type === 'string') {
          const key = stringValue(textOf(pf, sub));
          if (key !== null && d.endsWith('.conf') && d.length > 5) {
            facts.confAttrs.push({ receiver: d.slice(0, -5), key, keyNode: sub, value, stmt: n, fn: ctx.fn });
          }
          if (key !== null && d.endsWith('.config') && d.length > 7) {
            facts.flaskConfig.push({ receiver: d.slice(0, -7), kind: 'set', key, keyNode: sub, node: value, stmt: n, fn: ctx.fn });
          }
          if (key !== null && isConfigObject(d, ctx.fn)) {
            facts.flaskConfig.push({ receiver: d, kind: 'set', key, keyNode: sub, node: value, stmt: n, fn: ctx.fn, standalone: true });
          }
          if (resolve(d, ctx.fn) === 'os.environ') facts.envDefaults.push({ key: sub, value, node: n, fn: ctx.fn });
          if (key === 'DJANGO_SETTINGS_MODULE' && resolve(d, ctx.fn) === 'os.environ' && value.type === 'string') {
            facts.djangoSettingsModule ??= stringValue(textOf(pf, value));
          }
        }
      }
    }
  };

  const rootCtx: Ctx = { fn: null, cls: null, inAwait: false, prefix: '' };
  for (const c of pf.root.children) visit(c, rootCtx);
  for (const t of facts.imports.values()) if (t === 'celery' || t.startsWith('celery.')) facts.importsCelery = true;
  return facts;
}

function paramName(pf: PFile, p: PNode): string | null {
  switch (p.type) {
    case 'identifier':
      return textOf(pf, p);
    case 'typed_parameter': {
      const inner = p.children.find((c) => c.field !== 'type');
      if (!inner) return null;
      return paramName(pf, inner);
    }
    case 'default_parameter':
    case 'typed_default_parameter': {
      const name = child(p, 'name');
      return name ? textOf(pf, name) : null;
    }
    case 'list_splat_pattern': {
      const id = p.children.find((c) => c.type === 'identifier');
      return id ? `*${textOf(pf, id)}` : null;
    }
    case 'dictionary_splat_pattern': {
      const id = p.children.find((c) => c.type === 'identifier');
      return id ? `**${textOf(pf, id)}` : null;
    }
    default:
      return null;
  }
}

/** All targets of a (possibly chained) assignment `a = b = value`. */
export function assignTargets(n: PNode): PNode[] {
  const out: PNode[] = [];
  let cur: PNode | undefined = n;
  while (cur && (cur.type === 'assignment' || cur.type === 'augmented_assignment')) {
    const left = child(cur, 'left');
    if (left) out.push(left);
    if (cur.type === 'augmented_assignment') break;
    cur = child(cur, 'right');
  }
  return out;
}

export function innermostValue(n: PNode): PNode | undefined {
  let cur: PNode | undefined = n;
  while (cur && cur.type === 'assignment') {
    const right = child(cur, 'right');
    if (!right) return undefined;
    if (right.type !== 'assignment') return right;
    cur = right;
  }
  if (cur?.type === 'augmented_assignment') return child(cur, 'right');
  return undefined;
}

function bindNames(pf: PFile, n: PNode, into: Set<string>): void {
  if (n.type === 'identifier') into.add(textOf(pf, n));
  else if (n.type === 'pattern_list' || n.type === 'tuple_pattern' || n.type === 'list_pattern' || n.type === 'tuple' || n.type === 'list' || n.type === 'list_splat_pattern' || n.type === 'parenthesized_expression') {
    for (const c of n.children) bindNames(pf, c, into);
  }
}

/** `with suppress(ImportError)` / `with contextlib.suppress(ModuleNotFoundError, …)`: an optional import block. */
function suppressesImportError(pf: PFile, withStmt: PNode): boolean {
  const clause = withStmt.children.find((c) => c.type === 'with_clause');
  return clause !== undefined && /\bsuppress\s*\([^)]*\b(ImportError|ModuleNotFoundError)\b/.test(textOf(pf, clause));
}

/** Module-level `NAME = value` / `NAME: T = value`, including inside top-level if/try/with blocks. */
function collectModuleAssigns(pf: PFile, block: PNode, facts: FileFacts, inTry = false): void {
  for (const stmt of block.children) {
    switch (stmt.type) {
      case 'import_from_statement':
        if (stmt.children.some((c) => c.type === 'wildcard_import')) {
          const target = new Map<string, string>();
          addImports(pf, facts.info, stmt, target, facts);
          for (const [k, base] of target) if (k.startsWith('\0*')) facts.starImports.push({ module: base, node: stmt, inTry });
        }
        break;
      case 'expression_statement': {
        const a = stmt.children[0];
        if (a?.type !== 'assignment') break;
        const value = innermostValue(a);
        if (!value) break;
        for (const t of assignTargets(a)) {
          if (t.type !== 'identifier') continue;
          const ma: ModuleAssign = { name: textOf(pf, t), target: t, value, stmt: a };
          facts.assigns.push(ma);
          facts.assignByName.set(ma.name, ma);
        }
        break;
      }
      case 'try_statement':
        collectModuleAssigns(pf, stmt, facts, true);
        break;
      case 'with_statement':
        // `with suppress(ImportError):` (contextlib) makes the imports in its body optional, like try/except
        collectModuleAssigns(pf, stmt, facts, inTry || suppressesImportError(pf, stmt));
        break;
      case 'if_statement':
      case 'elif_clause':
      case 'else_clause':
      case 'except_clause':
      case 'finally_clause':
      case 'block':
        collectModuleAssigns(pf, stmt, facts, inTry);
        break;
      default:
        break;
    }
  }
}

function addImports(pf: PFile, info: ModuleInfo, n: PNode, into: Map<string, string>, facts: FileFacts): void {
  if (n.type === 'import_statement') {
    for (const c of n.children) {
      if (c.type === 'dotted_name') {
        const full = textOf(pf, c).replace(/\s+/g, '');
        const head = full.split('.')[0]!;
        if (!into.has(head) || into.get(head) === head) into.set(head, head);
        // remember the full dotted import so `a.b.f()` resolves through the project
        if (full.includes('.')) into.set(`\0${full}`, full);
      } else if (c.type === 'aliased_import') {
        const name = child(c, 'name');
        const alias = child(c, 'alias');
        if (name && alias) into.set(textOf(pf, alias), textOf(pf, name).replace(/\s+/g, ''));
      }
    }
    return;
  }
  if (n.type === 'future_import_statement') return;
  // from X import a, b as c / from . import x / from .x import *
  const modNode = child(n, 'module_name');
  if (!modNode) return;
  let base: string;
  if (modNode.type === 'relative_import') {
    const prefix = modNode.children.find((c) => c.type === 'import_prefix');
    const level = prefix ? textOf(pf, prefix).replace(/\s+/g, '').length : 0;
    const dn = modNode.children.find((c) => c.type === 'dotted_name');
    base = resolveRelative(info, level, dn ? textOf(pf, dn).replace(/\s+/g, '') : '');
  } else {
    base = textOf(pf, modNode).replace(/\s+/g, '');
  }
  for (const c of n.children) {
    if (c === modNode) continue;
    if (c.field !== 'name') {
      if (c.type === 'wildcard_import') into.set(`\0*${base}`, base);
      continue;
    }
    if (c.type === 'dotted_name') {
      const nm = textOf(pf, c);
      into.set(nm, base ? `${base}.${nm}` : nm);
    } else if (c.type === 'aliased_import') {
      const name = child(c, 'name');
      const alias = child(c, 'alias');
      if (name && alias) {
        const nm = textOf(pf, name);
        into.set(textOf(pf, alias), base ? `${base}.${nm}` : nm);
      }
    }
  }
  void facts;
}

/** celery.Celery under the names it is importable by. */
export function isCeleryClassName(resolved: string): boolean {
  return resolved === 'celery.Celery' || resolved === 'celery.app.Celery' || resolved === 'celery.app.base.Celery';
}
