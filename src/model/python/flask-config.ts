// `celery.conf.update(flask_app.config)`: the Flask app's config is handed to Celery whole, so every
// key the project writes into a Flask config (`app.config['CELERY_…'] = …`, `app.config.update(…)`,
// `app.config.from_object(Config)`) is a Celery setting, old-style names included. Config loaded from a
// file or env var at run time (`from_pyfile`, `from_envvar`, `from_prefixed_env`) is unread.
import type { Location, SettingAssignment } from '../types.js';
import type { FileFacts, FlaskConfigUse, RawClass, RawFunction } from './extract.js';
import { callArgs, dottedName, evalValue } from './values.js';
import { child, locOf, textOf, type PNode } from './tree.js';
import type { AppRec, Linker } from './index.js';
import type { ConfigReader } from './config-sources.js';
import { envCandidates, type EnvCandidate } from './env-defaults.js';
import { objectCandidates, type ObjectCandidate } from './config-candidates.js';
import { TEST_CODE_PATH } from './modules.js';

/** Test code configures throw-away Flask apps; those writes are not the worker's config. */
const TEST_PATH = TEST_CODE_PATH;
/** A file that may build Flask's Config class itself: `flask.Config(`, `from flask import …Config`, `from flask.config import Config`. */
const FLASK_CONFIG_IMPORT = /\bflask\.Config\(|^\s*from\s+flask(\.config)?\s+import\s+[^\n]*\bConfig\b|^\s*from\s+flask\s+import\s*\([^)]*\bConfig\b/m;
/** Flask's from_object reads only UPPERCASE attributes. */
const UPPER = /^[A-Z][A-Z0-9_]*$/;
/** A test configuration chosen by its key or name (`"test": Test`, `TestingConfig`): test code, not the worker's config. */
const TEST_CANDIDATE = /(^|[^A-Za-z])(test|testing|tests|unittest|pytest)([^A-Za-z]|$)|^Test(ing)?([A-Z_]|$)/;

export class FlaskConfig {
  constructor(private l: Linker, private r: ConfigReader) {}

  /** Read every Flask config write of the project into one 'flask-config' source of the app. */
  read(facts: FileFacts, _fn: unknown, _node: PNode, written: string, rec: AppRec | null, loc: Location, namespace: string | null = null): boolean {
    const appId = rec?.app.id ?? null;
    const settings = this.collect(appId);
    this.r.addSource({ kind: 'flask-config', file: facts.pf.file, loc, namespace, appId, objectRef: written, settings }, rec, `:${loc.line}`);
    return true;
  }

  /** 'CELERY' for `flask_app.config['CELERY']` / `flask_app.config.get('CELERY', {})`, else null. */
  keyOf(facts: FileFacts, fn: RawFunction | null, n: PNode): string | null {
    let obj: PNode | undefined;
    let keyNode: PNode | undefined;
    if (n.type === 'subscript') {
      obj = child(n, 'value');
      keyNode = child(n, 'subscript');
    } else if (n.type === 'call') {
      const f = child(n, 'function');
      const w = f ? dottedName(facts.pf, f) : null;
      if (!w || !w.endsWith('.config.get')) return null;
      keyNode = callArgs(n).positional[0];
      return keyNode ? this.r.strOf(facts, fn, keyNode) : null;
    }
    const w = obj ? dottedName(facts.pf, obj) : null;
    return w && w.endsWith('.config') && keyNode ? this.r.strOf(facts, fn, keyNode) : null;
  }

  /**
   * The config modules an argument may name when it comes from an env var with a default in the code:
   * `os.environ.get('SUPERSET_CONFIG', 'superset.config')`, directly or through a local
   * `config_module = override_param or os.environ.get(…)` (the override is a test hook defaulting to None).
   * Each value the deploy files give the variable is a candidate too. Null when the argument is no such thing.
   */
  private envChosen(f: FileFacts, fn: RawFunction | null, arg: PNode): EnvCandidate[] | null {
    let n: PNode | null = arg;
    if (n.type === 'identifier' && fn) n = localValue(fn, textOf(f.pf, n), f.pf);
    if (n?.type === 'boolean_operator') {
      const l = child(n, 'left');
      const r = child(n, 'right');
      if (l && r && /^\s*or\s*$/.test(f.pf.text.slice(l.end, r.start)) && isOptionalParam(f, fn, l)) n = r;
    }
    if (!n) return null;
    const v = evalValue(this.l.vctx(f, fn), n);
    if (v.kind !== 'env' || v.default?.kind !== 'str') return null;
    const out = envCandidates(v.name, this.r.envSources());
    if (!out.some((c) => c.value === (v.default as { value: string }).value)) out.push({ value: v.default.value, by: `the default of $${v.name} in ${f.pf.file}:${locOf(f.pf, n).line}` });
    return out;
  }

  /** conf.update(flask_app.config['CELERY']): the dict the project puts under that Flask key, entry by entry. */
  readKey(facts: FileFacts, key: string, rec: AppRec | null, loc: Location, into: SettingAssignment[], asObject = false): boolean {
    const all = this.collect(rec?.app.id ?? null);
    const hit = all.filter((s) => s.name === key && !this.readsBack(s, key)).pop();
    if (!hit) return false;
    // each entry at its own line when the dict is written out (`CELERY_CONFIG = {"worker_log_level": …}`)
    const at = this.r.valueNodeOf(hit);
    // config_from_object(app.config['CELERY_CONFIG']) with `CELERY_CONFIG = CeleryConfig` (a class): its attributes
    const w = asObject && at ? dottedName(at.facts.pf, at.node) : null;
    const cls = w ? this.l.lookupName(at!.facts, null, w) : null;
    if (cls?.kind === 'class') {
      into.push(...this.r.classAttrs(cls.facts, cls.cls, rec?.app.id ?? null));
      return true;
    }
    const dict = at ? this.r.dictNode(at.facts, null, at.node) : null;
    if (dict) {
      into.push(...this.r.dictSettings(dict.facts, dict.node));
      return true;
    }
    if (hit.value.kind !== 'dict') return false;
    for (const e of hit.value.entries) {
      if (e.key.kind !== 'str') continue;
      into.push({ name: e.key.value, value: e.value, valueText: hit.valueText, loc: hit.loc, keyLoc: hit.keyLoc });
    }
    void facts;
    void loc;
    return true;
  }

  /** The project writes a Flask config somewhere (read or reported unread): `x.config` may well be it. */
  hasWrites(appId: string | null): boolean {
    return this.collect(appId).length > 0 || this.unreadParts > 0;
  }

  private unreadParts = 0;
  /**
   * Part of the Flask config could not be read (from_pyfile, from_envvar, an object built at run time): each part is
   * its own unread entry, so a key looked up in that config and not found is not reported a second time.
   */
  hasUnread(appId: string | null): boolean {
    this.collect(appId);
    return this.unreadParts > 0;
  }

  /**
   * `merged = app.config.get(KEY); merged.update(extra); app.config.update({KEY: merged})`: the key is written back
   * with its own earlier value, merged with the config's other keys. Its known entries are the earlier ones; what
   * the merge adds comes from config sources that are read or already reported unread, not a new unread source.
   */
  private readsBack(s: SettingAssignment, key: string): boolean {
    if (s.value.kind !== 'name' || !/^[A-Za-z_]\w*$/.test(s.value.dotted)) return false;
    const text = this.l.model.files.find((f) => f.file === s.loc.file)?.text;
    const esc = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return !!text && new RegExp(`^[ \\t]*${s.value.dotted}[ \\t]*=[ \\t]*[\\w.]+\\.config(\\.get\\(|\\[)[ \\t]*['"]${esc}['"]`, 'm').test(text);
  }

  private collected: SettingAssignment[] | null = null;
  private collect(appId: string | null): SettingAssignment[] {
    if (this.collected) return this.collected;
    for (const needle of ['.config[', '.config.update', '.config.from_']) for (const f of this.l.loader.filesContaining(needle)) if (!TEST_PATH.test(f)) this.l.loader.load(f);
    // `cfg = flask.Config(root)` / `from flask import Config`: only files that build Flask's Config class
    for (const f of this.l.loader.filesContaining('Config(')) if (!TEST_PATH.test(f) && FLASK_CONFIG_IMPORT.test(this.l.loader.textOf(f) ?? '')) this.l.loader.load(f);
    const settings: SettingAssignment[] = [];
    for (const f of this.l.all) {
      if (TEST_PATH.test(f.pf.file)) continue;
      for (const u of f.flaskConfig) if (!u.standalone || handedOn(f, u.fn, u.receiver)) settings.push(...this.use(f, u, appId));
    }
    return (this.collected = settings);
  }

  private optionalMissingFile(f: FileFacts, u: FlaskConfigUse): boolean {
    return optionalMissing(this.l, f, u, (n) => this.r.strOf(f, u.fn, n));
  }

  /** `from_object(configs[env])`: the UPPERCASE settings of each candidate (test configurations left out), each place once. */
  private fromCandidates(cands: ObjectCandidate[], appId: string | null, unread: (reason: string) => SettingAssignment[]): SettingAssignment[] {
    const out: SettingAssignment[] = [];
    const seen = new Set<string>();
    for (const c of cands) {
      const chosen = c.label.replace(/^.*→\s*/, '');
      if (TEST_CANDIDATE.test(chosen) || (c.sym && TEST_PATH.test(c.sym.facts.pf.file))) continue;
      const sym = c.sym ?? (c.ref !== undefined ? this.l.lookup(c.ref.replace(':', '.')) : null);
      const got = sym?.kind === 'module' ? this.r.moduleSettings(sym.facts, appId) : sym?.kind === 'class' ? this.r.classAttrs(sym.facts, sym.cls, appId) : null;
      if (!got) {
        out.push(...unread(`candidate ${c.label} is not a module or class of the project`));
        continue;
      }
      for (const s of got) {
        const k = `${s.name}@${s.keyLoc.file}:${s.keyLoc.line}`;
        if (!UPPER.test(s.name) || seen.has(k)) continue;
        seen.add(k);
        out.push(s);
      }
    }
    return out;
  }

  private use(f: FileFacts, u: FlaskConfigUse, appId: string | null): SettingAssignment[] {
    const vc = this.l.vctx(f, u.fn);
    const unread = (reason: string): SettingAssignment[] => {
      this.unreadParts++;
      this.r.unread({ file: f.pf.file, loc: locOf(f.pf, u.node), what: `Flask config loaded by ${textOf(f.pf, u.node).replace(/\s+/g, ' ').slice(0, 80)}`, reason, holds: 'config', ...(appId ? { appId } : {}) });
      return [];
    };
    switch (u.kind) {
      case 'set':
        return [this.r.withNode({ name: u.key, value: evalValue(vc, u.node), valueText: textOf(f.pf, u.node), loc: locOf(f.pf, u.stmt), keyLoc: locOf(f.pf, u.keyNode) }, f, u.node)];
      case 'update':
      case 'from_mapping': {
        const { positional, keywords } = callArgs(u.node);
        const out: SettingAssignment[] = keywords.map((k) => this.r.withNode({ name: textOf(f.pf, k.name), value: evalValue(vc, k.value), valueText: textOf(f.pf, k.value), loc: locOf(f.pf, k.node), keyLoc: locOf(f.pf, k.name) }, f, k.value));
        for (const p of positional) {
          const d = this.r.dictNode(f, u.fn, p);
          if (d) out.push(...this.r.dictSettings(d.facts, d.node));
          // app.config.update(cfg) with `cfg = flask.Config(root)` filled in this function: its writes are read already
          else if (p.type === 'identifier' && f.flaskConfig.some((x) => x.standalone && x.fn === u.fn && x.receiver === textOf(f.pf, p))) continue;
          else if (!isOptionalParam(f, u.fn, p) && !optionalOrEmpty(f, u.fn, p)) unread('a mapping built at run time');
        }
        return out;
      }
      case 'from_object': {
        const arg = callArgs(u.node).positional[0];
        if (!arg) return [];
        // from_object(config_module), config_module = override or os.environ.get('X', 'pkg.config'): each module $X may name
        const cands = this.envChosen(f, u.fn, arg);
        if (cands) {
          const out: SettingAssignment[] = [];
          for (const c of cands) {
            const m = this.l.findModule(c.value);
            const sym = m ? { kind: 'module' as const, facts: m } : this.l.lookup(c.value.replace(':', '.'));
            if (sym?.kind === 'module') out.push(...this.r.moduleSettings(sym.facts, appId).filter((x) => UPPER.test(x.name)));
            else if (sym?.kind === 'class') out.push(...this.r.classAttrs(sym.facts, sym.cls, appId).filter((x) => UPPER.test(x.name)));
            else unread(`the module ${c.by} names, '${c.value}', is not in the project`);
          }
          return out;
        }
        // from_object(override) with `override=None` in the signature: an optional override, nothing by default
        if (isOptionalParam(f, u.fn, arg)) return [];
        // create_app(config="udata.settings.Defaults") … from_object(config): the parameter's default names the object
        const ref = this.r.strOf(f, u.fn, arg) ?? paramStringDefault(f, u.fn, arg);
        const sym = ref !== null ? (this.l.findModule(ref.replace(':', '.')) ? { kind: 'module' as const, facts: this.l.findModule(ref.replace(':', '.'))! } : this.l.lookup(ref.replace(':', '.'))) : (dottedName(f.pf, arg) ? this.l.lookupName(f, u.fn, dottedName(f.pf, arg)!) : null);
        if (sym?.kind === 'module') return this.r.moduleSettings(sym.facts, appId).filter((s) => UPPER.test(s.name));
        if (sym?.kind === 'class') return this.r.classAttrs(sym.facts, sym.cls, appId).filter((s) => UPPER.test(s.name));
        // from_object(c) with `c = Config(home, path)` a project class: an instance's UPPERCASE attributes, the class's
        // own and those its __init__ sets on self (ovh/celery-director's `self.CELERY_CONF = {...}`)
        const inst = instanceClass(this.l, f, u.fn, arg);
        if (inst) return [...this.r.classAttrs(inst.facts, inst.cls, appId), ...this.r.settingsFromAssigns(inst.facts, initSelfAssigns(inst.facts, inst.cls))].filter((s) => UPPER.test(s.name));
        // from_object(configs[env]) with `configs = {"development": Development, "production": Production, …}`: every
        // class it can be is read (config-candidates.ts), as for Celery's config_from_object
        const chosen = objectCandidates(this.l, f, u.fn, arg);
        if (chosen) return this.fromCandidates(chosen, appId, unread);
        return unread('names an object that is not in the project or is built at run time');
      }
      default:
        // from_pyfile('x.py', silent=True) of a file the project does not ship: an optional, deployment-specific
        // override (Flask's instance folder is "not under version control"), like `try: from .local import *`
        if (this.optionalMissingFile(f, u)) return [];
        return unread(`app.config.${u.key} reads a file or the environment at run time`);
    }
  }
}

/** `from_pyfile(name, silent=True)` where no file of the project is that name (at the root, in instance/, or next to the caller). */
function optionalMissing(l: Linker, f: FileFacts, u: FlaskConfigUse, strOf: (n: PNode) => string | null): boolean {
  if (u.key !== 'from_pyfile') return false;
  const { positional, keywords } = callArgs(u.node);
  const silent = keywords.find((k) => textOf(f.pf, k.name) === 'silent')?.value ?? positional[1];
  if (!silent || textOf(f.pf, silent) !== 'True') return false;
  const name = positional[0] ? strOf(positional[0]) : null;
  if (name === null || name.includes('{') || name.startsWith('/')) return false;
  const dir = f.pf.file.includes('/') ? f.pf.file.slice(0, f.pf.file.lastIndexOf('/') + 1) : '';
  const wanted = new Set([name, `instance/${name}`, `${dir}${name}`, `${dir}instance/${name}`].map((p) => p.replace(/^\.\//, '')));
  return ![...l.model.files.map((x) => x.file), ...[...l.index.all()].map((i) => i.file)].some((x) => wanted.has(x));
}

/** The one plain assignment `name = …` in a function's own body (not in nested functions or classes), if exactly one. */
function localValue(fn: RawFunction, name: string, pf: FileFacts['pf']): PNode | null {
  const found: PNode[] = [];
  const visit = (n: PNode): void => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return;
    if (n.type === 'assignment') {
      const left = child(n, 'left');
      const right = child(n, 'right');
      if (left?.type === 'identifier' && textOf(pf, left) === name && right) found.push(right);
    }
    for (const c of n.children) visit(c);
  };
  if (fn.body) visit(fn.body);
  return found.length === 1 ? found[0]! : null;
}

/** `create_app(settings_override=None)`: a test hook; production calls leave it out. */
function isOptionalParam(f: FileFacts, fn: RawFunction | null, n: PNode): boolean {
  if (!fn || n.type !== 'identifier') return false;
  const name = textOf(f.pf, n);
  const params = child(fn.node, 'parameters');
  return !!params?.children.some((p) => (p.type === 'default_parameter' || p.type === 'typed_default_parameter') && textOf(f.pf, child(p, 'name') ?? p) === name && child(p, 'value')?.type === 'none');
}

/** `override or {}` with `override=None` in the signature: nothing unless a caller passes one. */
function optionalOrEmpty(f: FileFacts, fn: RawFunction | null, n: PNode): boolean {
  if (n.type !== 'boolean_operator') return false;
  const l = child(n, 'left');
  const r = child(n, 'right');
  return !!l && !!r && /^\s*or\s*$/.test(f.pf.text.slice(l.end, r.start)) && isOptionalParam(f, fn, l) && /^\{\s*\}$|^dict\(\s*\)$/.test(textOf(f.pf, r));
}

/**
 * `cfg = flask.Config(root)` is an app's config only once it leaves the function that fills it: passed to a call
 * (`Eve(settings=cfg)`, `app.config.update(cfg)`), returned, or stored on an object. A config object that stays
 * local is not the worker's config.
 */
function handedOn(f: FileFacts, fn: RawFunction | null, name: string): boolean {
  const scope = fn ? fn.body : f.pf.root;
  if (!scope) return false;
  let out = false;
  const visit = (n: PNode): void => {
    if (out) return;
    if (n !== scope && (n.type === 'function_definition' || n.type === 'class_definition')) return;
    if (n.type === 'identifier' && textOf(f.pf, n) === name) {
      const p = n.parent;
      const gp = p?.parent;
      if (p?.type === 'argument_list' || p?.type === 'return_statement' || (p?.type === 'keyword_argument' && n.field === 'value')) out = true;
      else if (p?.type === 'assignment' && n.field === 'right' && child(p, 'left')?.type === 'attribute') out = true;
      else if (p?.type === 'expression_list' && gp?.type === 'return_statement') out = true;
    }
    for (const c of n.children) visit(c);
  };
  visit(scope);
  return out;
}

/** `c` in `from_object(c)` when the function sets it once to `SomeClass(...)`, a class of the project. */
function instanceClass(l: Linker, f: FileFacts, fn: RawFunction | null, arg: PNode): { facts: FileFacts; cls: RawClass } | null {
  if (!fn || arg.type !== 'identifier') return null;
  const v = localValue(fn, textOf(f.pf, arg), f.pf);
  if (v?.type !== 'call') return null;
  const callee = child(v, 'function');
  const w = callee ? dottedName(f.pf, callee) : null;
  const sym = w ? l.lookupName(f, fn, w) : null;
  return sym?.kind === 'class' ? { facts: sym.facts, cls: sym.cls } : null;
}

/** `self.NAME = value` statements of a class's __init__ (nested functions and classes left out). */
function initSelfAssigns(facts: FileFacts, cls: RawClass): { name: string; target: PNode; value: PNode; stmt: PNode }[] {
  const init = cls.methods.get('__init__');
  const out: { name: string; target: PNode; value: PNode; stmt: PNode }[] = [];
  const visit = (n: PNode): void => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return;
    if (n.type === 'assignment') {
      const left = child(n, 'left');
      const right = child(n, 'right');
      const m = left?.type === 'attribute' ? /^self\.([A-Za-z_]\w*)$/.exec(textOf(facts.pf, left)) : null;
      if (m && right) out.push({ name: m[1]!, target: left!, value: right, stmt: n });
    }
    for (const c of n.children) visit(c);
  };
  if (init?.body) for (const c of init.body.children) visit(c);
  return out;
}

/**
 * `dict((k.replace("CELERY_", "").lower(), v) for k, v in app.config.items() if k.startswith("CELERY_"))` (or the
 * same as a dict comprehension): the Flask config's keys with that prefix, the prefix cut and the rest lower-cased —
 * what Celery's own namespace does with new-style names. The config expression and the namespace, else null.
 */
export function prefixedConfigItems(text: string): { written: string; namespace: string } | null {
  const items = /\b([A-Za-z_][\w.]*\.config)\.items\(\)/.exec(text);
  const prefix = /\.startswith\(\s*(['"])([A-Z][A-Z0-9]*)_\1\s*\)/.exec(text);
  if (!items || !prefix || !/\.lower\(\)/.test(text)) return null;
  return { written: items[1]!, namespace: prefix[2]! };
}

/** `config` in `def create_app(config="pkg.settings.Defaults")`: the parameter's string default, else null. */
function paramStringDefault(f: FileFacts, fn: RawFunction | null, n: PNode): string | null {
  if (!fn || n.type !== 'identifier') return null;
  const name = textOf(f.pf, n);
  const params = child(fn.node, 'parameters');
  const p = params?.children.find((x) => (x.type === 'default_parameter' || x.type === 'typed_default_parameter') && textOf(f.pf, child(x, 'name') ?? x) === name);
  const v = p ? child(p, 'value') : undefined;
  if (v?.type !== 'string') return null;
  const m = /^[rRuU]?(['"])([\w.:]+)\1$/.exec(textOf(f.pf, v));
  return m ? m[2]! : null;
}
