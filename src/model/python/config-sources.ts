// Config sources as Celery resolves them: Celery(broker=…), app.conf.update/setdefault/[…]=, config_from_object
// (modules, classes, 'pkg.mod:Obj', Django settings), config_from_envvar (the module named by the env var's
// defaults), celeryconfig.py. Whatever names a source jobctl cannot read becomes a model.unread entry.
import { STDLIB_MODULES } from './stdlib.js';
import { sampleHoldsNoCelerySettings, sampleOfMissingModule } from './sample-module.js';
import type { ConfigSource, Location, SettingAssignment, UnreadSource } from '../types.js';
import { child, locOf, lineOf, textOf, type PNode } from './tree.js';
import { envCandidates, templated, type EnvCandidate } from './env-defaults.js';
import { FlaskConfig, prefixedConfigItems } from './flask-config.js';
import { objectCandidates } from './config-candidates.js';
import { DjangoSettings } from './django-settings.js';
import type { FileFacts, ModuleAssign, RawClass, RawFunction } from './extract.js';
import { callArgs, dottedName, evalValue, stringValue } from './values.js';
import type { AppRec, Linker, Sym } from './index.js';

/** Named parameters of Celery.__init__ that are not settings (everything else in **kwargs is autoset as one). */
const CTOR_PARAMS = new Set(['main', 'loader', 'amqp', 'events', 'log', 'control', 'set_as_current', 'tasks', 'changes', 'config_source', 'fixups', 'task_cls', 'autofinalize', 'namespace', 'strict_typing']);

export class ConfigReader {
  readonly sources: ConfigSource[] = [];
  private referencedConfigFiles = new Set<string>();

  private flask: FlaskConfig;
  private django: DjangoSettings;

  constructor(private l: Linker) {
    this.flask = new FlaskConfig(l, this);
    this.django = new DjangoSettings(l, this);
  }

  /** A file Celery loads as config (so the default loader does not also read it as celeryconfig.py). */
  markReferenced(file: string): void {
    this.referencedConfigFiles.add(file);
  }

  /** Something the project uses that jobctl cannot read: one model.unread entry (JC001), once. */
  unread(u: UnreadSource): void {
    const k = (x: UnreadSource): string => `${x.file}:${x.loc?.line ?? 0}:${x.what}:${x.reason}`;
    if (!this.l.model.unread.some((x) => k(x) === k(u))) this.l.model.unread.push(u);
  }

  /**
   * A module's names as Python sees them after import: what `from x import *` brings in (project modules,
   * recursively, in order), then its own assignments (the later one wins). Unreadable parts become unread.
   */
  moduleAssigns(facts: FileFacts, appId: string | null, seen = new Set<FileFacts>()): { facts: FileFacts; a: ModuleAssign }[] {
    if (seen.has(facts)) return [];
    seen.add(facts);
    const at = (n: PNode): Location => locOf(facts.pf, n);
    const out = new Map<string, { facts: FileFacts; a: ModuleAssign }>();
    const unreadStars: typeof facts.starImports = [];
    for (const star of facts.starImports) {
      const m = this.l.findModule(star.module);
      if (m) {
        for (const e of this.moduleAssigns(m, appId, seen)) out.set(e.a.name, e);
      } else if (!star.inTry && !definesNoCelerySettings(star.module) && !this.sampleShowsNoSettings(star.module, facts.pf.file)) {
        unreadStars.push(star);
      }
    }
    if (unreadStars.length > 0) {
      // one unread entry per module, at the star import that names Celery (else the first), listing the others
      const lead = unreadStars.find((s) => CELERY_NAMED.test(s.module)) ?? unreadStars[0]!;
      const others = unreadStars.filter((s) => s !== lead).map((s) => s.module);
      const more = others.length > 0 ? ` (and ${others.length} more star import${others.length === 1 ? '' : 's'} of modules not in the project: ${others.join(', ')})` : '';
      this.unread({ file: facts.pf.file, loc: at(lead.node), what: `\`from ${lead.module} import *\` in ${facts.pf.file}${more}`, reason: `${others.length > 0 ? 'modules' : 'a module'} not in the project (installed package or generated file)`, holds: 'config', ...(appId ? { appId } : {}) });
    }
    // every own assignment stays (if/else variants are all possible); an own name hides the imported one
    const own = facts.assigns.map((a) => ({ facts, a }));
    for (const e of own) out.delete(e.a.name);
    for (const d of facts.dynamicGlobals) {
      this.unread({ file: facts.pf.file, loc: at(d), what: `names set at run time in ${facts.pf.file} (\`${textOf(facts.pf, child(d, 'function') ?? d)}(…)\`)`, reason: 'the values come from outside the code (a file, the environment)', holds: 'config', ...(appId ? { appId } : {}) });
    }
    if (facts.pf.errorAt !== null) {
      this.unread({ file: facts.pf.file, loc: { file: facts.pf.file, line: lineOf(facts.pf, facts.pf.errorAt), column: 1 }, what: `config module ${facts.pf.file}`, reason: `Python syntax error (near line ${lineOf(facts.pf, facts.pf.errorAt)}); settings in the part that does not parse were not read`, holds: 'config', ...(appId ? { appId } : {}) });
    }
    return [...out.values(), ...own];
  }

  /** A module kept out of the repository whose committed sample (keys.py.template) defines no Celery-looking name. */
  private sampleShowsNoSettings(module: string, importer: string): boolean {
    const sample = sampleOfMissingModule(this.l.model.root, module, importer);
    if (!sample || !sampleHoldsNoCelerySettings(sample)) return false;
    const note = `\`from ${module} import *\` in ${importer}: the module is not in the repository; its committed sample ${sample.file} defines no Celery setting, so it was not counted as an unread config source`;
    if (!this.l.model.notes.some((n) => n.message === note)) this.l.model.notes.push({ level: 'info', file: importer, message: note });
    return true;
  }

  /** Settings of a module (with its star imports), each at its own file and line. */
  moduleSettings(facts: FileFacts, appId: string | null): SettingAssignment[] {
    return this.moduleAssigns(facts, appId).flatMap((e) => this.settingsFromAssigns(e.facts, [e.a]));
  }

  /** A string known without running the code: literals, module constants, imported constants. */
  strOf(facts: FileFacts, fn: RawFunction | null, n: PNode, depth = 0): string | null {
    const v = evalValue(this.l.vctx(facts, fn), n);
    if (v.kind === 'str') return v.value;
    if (depth > 4 || (n.type !== 'identifier' && n.type !== 'attribute')) return null;
    const w = dottedName(facts.pf, n);
    const s = w ? this.l.lookupName(facts, fn, w) : null;
    return s?.kind === 'assign' ? this.strOf(s.facts, null, s.assign.value, depth + 1) : null;
  }


  settingsFromAssigns(facts: FileFacts, assigns: { name: string; target: PNode; value: PNode; stmt: PNode }[]): SettingAssignment[] {
    const vc = this.l.vctx(facts);
    return assigns.map((a) => this.withNode({
      name: a.name, value: evalValue(vc, a.value), valueText: textOf(facts.pf, a.value), loc: locOf(facts.pf, a.stmt), keyLoc: locOf(facts.pf, a.target),
    }, facts, a.value));
  }

  /** The syntax node an assignment's value was read from (a dict under a Flask key is read entry by entry, each at its line). */
  private valueNodes = new WeakMap<SettingAssignment, { facts: FileFacts; node: PNode }>();
  withNode(s: SettingAssignment, facts: FileFacts, node: PNode): SettingAssignment {
    this.valueNodes.set(s, { facts, node });
    return s;
  }
  valueNodeOf(s: SettingAssignment): { facts: FileFacts; node: PNode } | undefined {
    return this.valueNodes.get(s);
  }

  addSource(src: Omit<ConfigSource, 'id'>, app: AppRec | null, idHint: string): ConfigSource {
    let id = `${src.kind}:${src.file}${idHint}`;
    let n = 2;
    while (this.sources.some((s) => s.id === id)) id = `${src.kind}:${src.file}${idHint}#${n++}`;
    const cs: ConfigSource = { id, ...src };
    this.sources.push(cs);
    if (app) app.app.configSourceIds.push(id);
    return cs;
  }

  build(): void {
    this.collectEnvDefaults(['DJANGO_SETTINGS_MODULE', 'DJANGO_CONFIGURATION']);
    // Celery(broker=..., backend=..., include=...)
    for (const rec of new Set(this.l.apps.values())) {
      const facts = rec.facts;
      const ctor = facts.appCtors.find((c) => `${facts.info.module}:${c.variable}` === rec.app.id || locOf(facts.pf, c.call.parent?.type === 'assignment' ? c.call.parent : c.call).line === rec.app.loc.line);
      if (!ctor || ctor.current) continue;
      const { keywords } = callArgs(ctor.call);
      const settings: SettingAssignment[] = [];
      const vc = this.l.vctx(facts, ctor.fn);
      for (const k of keywords) {
        const key = textOf(facts.pf, k.name);
        // any other keyword is a setting too: Celery.__init__ autosets **kwargs (celery@v5.6.3:celery/app/base.py)
        const name = key === 'broker' ? 'broker_url' : key === 'backend' ? 'result_backend' : key === 'include' ? 'include' : CTOR_PARAMS.has(key) ? null : key;
        if (!name) continue;
        settings.push({ name, value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) });
      }
      if (settings.length > 0) {
        this.addSource({ kind: 'celery-ctor', file: facts.pf.file, loc: locOf(facts.pf, ctor.call), namespace: null, appId: rec.app.id, settings }, rec, `:${rec.app.loc.line}`);
      }
      const cfgSrc = keywords.find((k) => textOf(facts.pf, k.name) === 'config_source');
      if (cfgSrc) this.configFromObject(facts, ctor.fn, ctor.call, cfgSrc.value, rec, rec.namespace);
    }

    for (const facts of this.l.all) {
      // app.conf.x = v / app.conf['x'] = v, grouped per app and file
      const groups = new Map<string, { rec: AppRec | null; sets: FileFacts['confAttrs'] }>();
      for (const s of facts.confAttrs) {
        const rec = this.l.appFor(facts, s.fn, s.receiver);
        const key = rec ? rec.app.id : `?${s.receiver}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { rec, sets: [] }));
        g.sets.push(s);
      }
      for (const g of groups.values()) {
        const first = g.sets[0]!;
        const settings = g.sets.map((s) => ({
          name: s.key, value: evalValue(this.l.vctx(facts, s.fn), s.value), valueText: textOf(facts.pf, s.value), loc: locOf(facts.pf, s.stmt), keyLoc: locOf(facts.pf, s.keyNode),
        }));
        this.addSource({ kind: 'conf-attr', file: facts.pf.file, loc: locOf(facts.pf, first.stmt), namespace: null, appId: g.rec?.app.id ?? null, settings }, g.rec, `:${first.receiver}`);
      }

      for (const c of facts.appCalls) {
        const rec = this.l.appFor(facts, c.fn, c.receiver);
        const loc = locOf(facts.pf, c.call);
        const { positional, keywords, splats } = callArgs(c.call);
        const kw = (n: string): PNode | undefined => keywords.find((k) => textOf(facts.pf, k.name) === n)?.value;
        switch (c.method) {
          case 'autodiscover_tasks':
            if (rec) rec.app.autodiscover = true;
            break;
          case 'config_from_envvar': {
            const v = kw('variable_name') ?? positional[0];
            if (v) this.configFromEnvvar(facts, c.fn, c.call, v, rec);
            break;
          }
          case 'conf.setdefault': {
            const [k, v] = positional;
            const key = k ? this.strOf(facts, c.fn, k) : null;
            if (key !== null && v) {
              this.addSource({ kind: 'conf-attr', file: facts.pf.file, loc, namespace: null, appId: rec?.app.id ?? null, settings: [{ name: key, value: evalValue(this.l.vctx(facts, c.fn), v), valueText: textOf(facts.pf, v), loc, keyLoc: locOf(facts.pf, k!) }] }, rec, `:${loc.line}`);
            }
            break;
          }
          case 'config_from_object': {
            const obj = kw('obj') ?? positional[0];
            const nsNode = kw('namespace');
            const ns = nsNode ? evalValue(this.l.vctx(facts, c.fn), nsNode) : null;
            if (obj) this.configFromObject(facts, c.fn, c.call, obj, rec, ns?.kind === 'str' ? ns.value : (rec?.namespace ?? null));
            break;
          }
          case 'conf.update': {
            const settings: SettingAssignment[] = [];
            let viaFlask = false;
            const vc = this.l.vctx(facts, c.fn);
            for (const k of keywords) {
              settings.push({ name: textOf(facts.pf, k.name), value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) });
            }
            for (const p of [...positional, ...splats.map((s) => s.children[0]).filter((x): x is PNode => !!x)]) {
              // the Flask config's CELERY_* keys, prefix cut and lower-cased (opendatateam/udata): a namespace
              const pre = prefixedConfigItems(textOf(facts.pf, p));
              if (pre && this.flask.read(facts, c.fn, p, pre.written, rec, loc, pre.namespace)) {
                viaFlask = true;
                continue;
              }
              const dict = this.dictNode(facts, c.fn, p);
              if (dict) {
                settings.push(...this.dictSettings(dict.facts, dict.node));
                continue;
              }
              const key = this.flask.keyOf(facts, c.fn, p);
              if (key && this.flask.readKey(facts, key, rec, loc, settings)) {
                viaFlask = true;
                continue;
              }
              if (key && this.flask.hasUnread(rec?.app.id ?? null)) {
                viaFlask = true; // the Flask config's unread parts say why the key was not found
                continue;
              }
              const w = dottedName(facts.pf, p);
              if (w && w.endsWith('.config') && this.flask.read(facts, c.fn, p, w, rec, loc)) {
                viaFlask = true;
                continue;
              }
              this.unread({ file: facts.pf.file, loc: locOf(facts.pf, p), what: `settings passed to conf.update(${textOf(facts.pf, p)})`, reason: 'a value built at run time', holds: 'config', ...(rec ? { appId: rec.app.id } : {}) });
            }
            if (settings.length > 0 || !viaFlask) this.addSource({ kind: 'conf-update', file: facts.pf.file, loc, namespace: null, appId: rec?.app.id ?? null, settings }, rec, `:${loc.line}`);
            break;
          }
          default:
            break; // register_task / tasks.register: class-based tasks are found by their base class
        }
      }
    }

    // celeryconfig.py that nothing references: Celery's default loader reads it
    for (const facts of this.l.all) {
      const base = facts.pf.file.slice(facts.pf.file.lastIndexOf('/') + 1);
      if (base !== 'celeryconfig.py' || this.referencedConfigFiles.has(facts.pf.file)) continue;
      this.addSource({ kind: 'config-module', file: facts.pf.file, loc: { file: facts.pf.file, line: 1, column: 1 }, namespace: null, appId: null, objectRef: facts.info.module, settings: this.moduleSettings(facts, null) }, null, '');
    }
  }

  /** A dict literal for conf.update(...): inline, dict(...), or a module-level NAME = {...} */
  dictNode(facts: FileFacts, fn: RawFunction | null, n: PNode): { facts: FileFacts; node: PNode } | null {
    if (n.type === 'dictionary') return { facts, node: n };
    if (n.type === 'call') {
      const f = child(n, 'function');
      if (!f || textOf(facts.pf, f) !== 'dict') return null;
      const { positional } = callArgs(n);
      // dict(k=v, **BASE): written out; dict(BASE): a copy of another mapping
      if (positional.length === 0) return { facts, node: n };
      if (positional.length === 1 && positional[0]!.type !== 'generator_expression') return this.dictNode(facts, fn, positional[0]!);
      // dict(<generator>) / dict(pairs, …): built at run time — udata's
      // `dict((k.replace("CELERY_", "").lower(), v) for k, v in app.config.items() if k.startswith("CELERY_"))`
      return null;
    }
    const w = dottedName(facts.pf, n);
    if (!w) return null;
    const s = this.l.lookupName(facts, fn, w);
    if (s?.kind === 'assign' && (s.assign.value.type === 'dictionary' || s.assign.value.type === 'call')) return this.dictNode(s.facts, null, s.assign.value);
    return null;
  }

  dictSettings(facts: FileFacts, n: PNode, depth = 0): SettingAssignment[] {
    const out: SettingAssignment[] = [];
    const vc = this.l.vctx(facts);
    // `{**BASE, 'k': v}` / `dict(**BASE, k=v)`: the base dict's entries come first; one jobctl cannot find is unread,
    // never an empty base (its keys would look absent)
    const splat = (sp: PNode): void => {
      const inner = sp.children[0];
      const d = inner && depth < 6 ? this.dictNode(facts, null, inner) : null;
      if (d) out.push(...this.dictSettings(d.facts, d.node, depth + 1));
      else this.unread({ file: facts.pf.file, loc: locOf(facts.pf, sp), what: `settings merged in with \`${textOf(facts.pf, sp)}\``, reason: 'a mapping jobctl could not find in the project (built at run time, or a class attribute)', holds: 'config' });
    };
    if (n.type === 'call') {
      const { keywords, splats } = callArgs(n);
      for (const sp of splats) if (sp.type === 'dictionary_splat') splat(sp);
      for (const k of keywords) {
        out.push(this.withNode({ name: textOf(facts.pf, k.name), value: evalValue(vc, k.value), valueText: textOf(facts.pf, k.value), loc: locOf(facts.pf, k.node), keyLoc: locOf(facts.pf, k.name) }, facts, k.value));
      }
      return out;
    }
    for (const pair of n.children) {
      if (pair.type === 'dictionary_splat') splat(pair);
      if (pair.type !== 'pair') continue;
      const k = child(pair, 'key');
      const v = child(pair, 'value');
      if (!k || !v || k.type !== 'string') continue;
      const key = stringValue(textOf(facts.pf, k));
      if (key === null) continue;
      out.push(this.withNode({ name: key, value: evalValue(vc, v), valueText: textOf(facts.pf, v), loc: locOf(facts.pf, pair), keyLoc: locOf(facts.pf, k) }, facts, v));
    }
    return out;
  }

  /**
   * Class attributes with inheritance inside the project (`class Prod(Base)`). A base class jobctl cannot
   * read (an installed package's) may hold settings: it becomes an unread entry, not an empty base.
   */
  classAttrs(facts: FileFacts, cls: RawClass, appId: string | null, seen = new Set<RawClass>()): SettingAssignment[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    const inherited: SettingAssignment[] = [];
    for (const b of cls.bases) {
      const s = this.l.lookupName(facts, null, b);
      if (s?.kind === 'class') inherited.push(...this.classAttrs(s.facts, s.cls, appId, seen));
      else if (!EMPTY_BASES.test(this.l.resolveWritten(facts, null, b))) {
        this.unread({ file: facts.pf.file, loc: locOf(facts.pf, cls.node), what: `settings inherited by \`${cls.name}\` from \`${b}\``, reason: 'a base class from an installed package (not read)', holds: 'config', ...(appId ? { appId } : {}) });
      }
    }
    const own = this.settingsFromAssigns(facts, cls.attrs.map((a) => ({ name: a.name, target: a.key, value: a.value, stmt: a.stmt })));
    const ownNames = new Set(own.map((s) => s.name));
    return [...inherited.filter((s) => !ownNames.has(s.name)), ...own];
  }

  private configFromObject(facts: FileFacts, fn: RawFunction | null, call: PNode, obj: PNode, rec: AppRec | null, namespace: string | null): void {
    const loc = locOf(facts.pf, call);
    const v = evalValue(this.l.vctx(facts, fn), obj);
    // config_from_object(__name__): the module itself
    const ref = v.kind === 'str' ? v.value : textOf(facts.pf, obj) === '__name__' ? facts.info.module : this.strOf(facts, fn, obj);
    if (ref !== null) {
      this.configFromRef({ facts, loc, ref, rec, namespace, what: `config_from_object('${ref}')` });
      return;
    }
    const w = dottedName(facts.pf, obj);
    // from django.conf import settings; app.config_from_object(settings, namespace='CELERY')
    if (w && this.l.resolveWritten(facts, fn, w) === 'django.conf.settings') {
      this.configFromRef({ facts, loc, ref: 'django.conf.settings', rec, namespace, what: `config_from_object(${w})` });
      return;
    }
    const sym = w ? this.l.lookupName(facts, fn, w) : null;
    if (w && this.fromSym({ facts, loc, ref: w, rec, namespace }, sym)) return;
    // config_from_object(app.config["CELERY"]): Flask's own Celery pattern, a dict the project puts in its config
    const flaskKey = this.flask.keyOf(facts, fn, obj);
    const fromFlask: SettingAssignment[] = [];
    if (flaskKey && this.flask.readKey(facts, flaskKey, rec, loc, fromFlask, true)) {
      const objectRef = textOf(facts.pf, obj);
      this.addSource({ kind: 'config-object', file: fromFlask[0]?.keyLoc.file ?? facts.pf.file, loc, namespace, appId: rec?.app.id ?? null, objectRef, settings: fromFlask }, rec, `@${facts.pf.file}:${loc.line}`);
      return;
    }
    if (flaskKey && this.flask.hasUnread(rec?.app.id ?? null)) return; // the Flask config's unread parts say why
    // config_from_object(app.config, namespace="CELERY") in `def init_celery(app)`: the Flask app's whole config, as
    // conf.update(app.config) is — read when the project writes a Flask config (else it is not known to be one)
    if (!flaskKey && w && w.endsWith('.config') && w.length > 7 && this.flask.hasWrites(rec?.app.id ?? null) && this.flask.read(facts, fn, obj, w, rec, loc, namespace)) return;
    // an object chosen at run time among a finite set the code spells out: each candidate is read
    const cands = objectCandidates(this.l, facts, fn, obj);
    if (cands) {
      for (const c of cands) {
        const r = { facts, loc, ref: c.ref ?? w ?? textOf(facts.pf, obj), rec, namespace, chosenBy: c.label };
        if (c.ref !== undefined) this.configFromRef({ ...r, what: `config_from_object(${textOf(facts.pf, obj)}), candidate ${c.label}` });
        else this.fromSym(r, c.sym ?? null);
      }
      return;
    }
    const reason = sym?.kind === 'assign' ? `an object built at run time (\`${w} = ${textOf(sym.facts.pf, sym.assign.value).replace(/\s+/g, ' ').slice(0, 60)}\` in ${sym.facts.pf.file})` : w ? 'names nothing found in the project (an installed package, or built at run time)' : 'an object built at run time';
    this.unread({ file: facts.pf.file, loc, what: `config_from_object(${textOf(facts.pf, obj)})`, reason, holds: 'config', ...(rec ? { appId: rec.app.id } : {}) });
  }

  /** A source named by a string, as Celery imports it: 'pkg.mod', 'pkg.mod:Obj', 'pkg.mod.Obj', 'django.conf:settings'. */
  private configFromRef(r: RefCtx & { what: string; choice?: UnreadSource['choice'] }): boolean {
    const { ref } = r;
    if (ref === 'django.conf:settings' || ref === 'django.conf.settings') {
      this.django.read(r.facts, r.loc, r.namespace, r.rec, ref, r.chosenBy);
      return true;
    }
    const [modPart, attr] = ref.includes(':') ? ref.split(':', 2) as [string, string] : [ref, undefined];
    let ok: boolean;
    if (attr !== undefined) ok = this.fromSym(r, this.l.lookup(`${modPart}.${attr}`));
    else {
      const m = this.l.findModule(ref) ?? this.findModuleLoose(ref);
      ok = m ? this.fromSym(r, { kind: 'module', facts: m }) : this.fromSym(r, this.l.lookup(ref));
    }
    if (!ok) this.unread({ file: r.facts.pf.file, loc: r.loc, what: r.what, reason: templated(ref) ? 'a template expression jobctl does not render' : `'${ref}' is not a module or object of the project`, holds: 'config', ...(r.rec ? { appId: r.rec.app.id } : {}), ...(r.choice ? { choice: r.choice } : {}) });
    return ok;
  }

  private fromSym(r: RefCtx, s: Sym | null): boolean {
    if (!s) return false;
    const appId = r.rec?.app.id ?? null;
    const base = { loc: r.loc, namespace: r.namespace, appId, objectRef: r.ref, ...(r.chosenBy ? { chosenBy: r.chosenBy } : {}) };
    const hint = `@${r.facts.pf.file}:${r.loc.line}`;
    if (s.kind === 'module') {
      this.referencedConfigFiles.add(s.facts.pf.file);
      this.addSource({ kind: 'config-module', file: s.facts.pf.file, ...base, settings: this.moduleSettings(s.facts, appId) }, r.rec, hint);
      return true;
    }
    let cls: { facts: FileFacts; cls: RawClass } | null = s.kind === 'class' ? s : null;
    if (s.kind === 'assign' && s.assign.value.type === 'call') {
      // settings = Settings(); app.config_from_object(settings)
      const f = child(s.assign.value, 'function');
      const w = f ? dottedName(s.facts.pf, f) : null;
      const c = w ? this.l.lookupName(s.facts, null, w) : null;
      if (c?.kind === 'class') cls = c;
    }
    if (!cls) return false;
    this.addSource({ kind: 'config-object', file: cls.facts.pf.file, ...base, settings: this.classAttrs(cls.facts, cls.cls, appId) }, r.rec, hint);
    return true;
  }

  /**
   * app.config_from_envvar('X'): Celery imports the module named by $X when the app is configured. Its
   * value comes from os.environ.setdefault('X', …) in the code or from the deploy files (Dockerfile ENV,
   * compose, .env, systemd …); each distinct candidate is read and its source says which one it is.
   */
  private configFromEnvvar(facts: FileFacts, fn: RawFunction | null, call: PNode, varNode: PNode, rec: AppRec | null): void {
    const loc = locOf(facts.pf, call);
    const name = this.strOf(facts, fn, varNode);
    const appId = rec ? { appId: rec.app.id } : {};
    if (name === null) {
      this.unread({ file: facts.pf.file, loc, what: `config module chosen by config_from_envvar(${textOf(facts.pf, varNode)})`, reason: 'the variable name is computed at run time', holds: 'config', ...appId });
      return;
    }
    this.collectEnvDefaults([name]);
    const cands = this.candidates(name);
    if (cands.length === 0) {
      this.unread({ file: facts.pf.file, loc, what: `config module chosen by $${name}`, reason: 'no default is set in the project (os.environ.setdefault, Dockerfile ENV, compose, .env, systemd)', holds: 'config', ...appId });
      return;
    }
    for (const c of cands) {
      this.configFromRef({ facts, loc, ref: c.value, rec, namespace: null, chosenBy: c.by, what: `config module chosen by $${name} (${c.by})`, choice: { key: name, value: c.value, by: c.by } });
    }
  }

  /** Distinct values an env var gets from the code and the deploy files, each with where it is set. */
  private candidates(name: string): EnvCandidate[] {
    return envCandidates(name, this.envSources());
  }

  /** model.envAssignments plus what compose `environment:` and .env files already hold (same key, file and line once). */
  envSources(): EnvCandidateSource[] {
    const m = this.l.model;
    const out = [...m.envAssignments];
    const seen = new Set(out.map((e) => `${e.key}\0${e.file}\0${e.loc.line}`));
    const push = (e: EnvCandidateSource): void => {
      const k = `${e.key}\0${e.file}\0${e.loc.line}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(e);
      }
    };
    for (const svc of m.composeServices) for (const v of svc.environment) push({ key: v.key, value: v.value, file: v.loc.file || svc.file, loc: v.loc, source: 'compose', scope: svc.name });
    for (const f of m.envFiles) for (const v of f.vars) push({ key: v.key, value: v.value, file: f.file, loc: v.loc, source: 'dotenv' });
    return out;
  }

  /** Record os.environ.setdefault('X', 'v') / os.environ['X'] = 'v' of every file read so far as env assignments. */
  collectEnvDefaults(needles: string[]): void {
    // only files that set it (os.environ.setdefault / os.environ[...] =), not the many that merely mention it
    for (const n of needles) {
      for (const file of this.l.loader.filesContaining(n)) {
        const text = this.l.loader.textOf(file) ?? '';
        if (/(^|\/)(tests?|docs?)\/|(^|\/)(test_[^/]*|conftest)\.py$/.test(file)) continue;
        if (new RegExp(`setdefault\\(\\s*['"]?${n}|environ\\[\\s*['"]${n}['"]\\s*\\]\\s*=[^=]`).test(text)) this.l.loader.load(file);
      }
    }
    for (const facts of this.l.all) {
      if (this.envDone.has(facts)) continue;
      this.envDone.add(facts);
      for (const d of facts.envDefaults) {
        const key = this.strOf(facts, d.fn, d.key);
        const value = key === null ? null : this.strOf(facts, d.fn, d.value);
        if (key === null || value === null) continue;
        this.l.model.envAssignments.push({ key, value, file: facts.pf.file, loc: locOf(facts.pf, d.node), source: 'python' });
      }
    }
  }
  private envDone = new Set<FileFacts>();

  /**
   * 'celeryconfig' when the project computes 'proj.celeryconfig' (or the reverse). In a project template
   * (`django-admin startproject --template`, cookiecutter), `{{ project_name }}.settings.prod` is the one module
   * of the tree at `<folder>/settings/prod.py`: the template renders the name into the file and names the folder
   * the same way. Several fits (or none) leave it unread.
   */
  findModuleLoose(ref: string): FileFacts | undefined {
    if (templated(ref)) {
      // each templated segment stands for one folder name of the tree; exactly one module must fit
      const segs = ref.split('.');
      if (segs.some((x) => /[{}%]/.test(x) && !/^\{\{[^{}]*\}\}$/.test(x))) return undefined;
      const fits = (m: string): boolean => { const ms = m.split('.'); return ms.length === segs.length && segs.every((x, i) => templated(x) || x === ms[i]); };
      const hits = [...this.l.index.all()].filter((f) => fits(f.module));
      return hits.length === 1 ? (this.l.loader.load(hits[0]!.file) ?? undefined) : undefined;
    }
    const last = ref.split('.').pop()!;
    const cands = [...this.l.index.all()].filter((f) => f.module === ref || f.module.endsWith(`.${ref}`) || ref.endsWith(`.${f.module}`) || (f.module.split('.').pop() === last && ref.split('.').length === 1));
    return cands.length === 1 ? (this.l.loader.load(cands[0]!.file) ?? undefined) : undefined;
  }

}

interface RefCtx {
  facts: FileFacts;
  loc: Location;
  ref: string;
  rec: AppRec | null;
  namespace: string | null;
  chosenBy?: string;
}

/** Base classes known to add no Celery settings. */
const EMPTY_BASES = /^(object|configurations(\.base)?\.Configuration|pydantic(_settings)?(\.main|\.env_settings)?\.(BaseSettings|BaseModel)|abc\.ABC|typing\..+|enum\..+|dataclasses\..+)$/;

export type EnvCandidateSource = import('../types.js').EnvAssignment;

/** A module path that names Celery (`resonant_settings.celery`, `myorg.celery_settings`): the likely home of its settings. */
const CELERY_NAMED = /(^|\.)[A-Za-z_]*celery[A-Za-z_]*(\.|$)/i;

/**
 * Star imports that bring no Celery setting: the standard library, and Celery's, kombu's, billiard's and Django's
 * own modules (they define no CELERY_* / Celery setting names a settings module could take over).
 */
function definesNoCelerySettings(module: string): boolean {
  const top = module.split('.')[0]!;
  return STDLIB_MODULES.has(top) || ['celery', 'kombu', 'billiard', 'django', 'typing_extensions'].includes(top);
}
