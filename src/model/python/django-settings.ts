// Django settings as the worker gets them: the module DJANGO_SETTINGS_MODULE names (deploy files' values and
// the code's default), read with its `from .base import *` chain, or the django-configurations class that
// DJANGO_CONFIGURATION names. A module that is not in the project is unread (JC001).
import type { Location, SettingAssignment } from '../types.js';
import type { FileFacts, RawClass } from './extract.js';
import type { AppRec, Linker } from './index.js';
import { envCandidates, templated, type EnvCandidate } from './env-defaults.js';
import type { ConfigReader, EnvCandidateSource } from './config-sources.js';

export class DjangoSettings {
  constructor(private l: Linker, private r: ConfigReader) {}

  /**
   * Django settings as DJANGO_SETTINGS_MODULE names them: every value it gets in deploy files, plus the
   * default the Celery module (else manage.py/wsgi/asgi) sets; each module with its `from .base import *`
   * chain; django-configurations classes chosen by DJANGO_CONFIGURATION. Test settings (pytest) are not
   * the worker's. With no DJANGO_SETTINGS_MODULE anywhere, settings files found by name are read.
   */
  read(facts: FileFacts, loc: Location, namespace: string | null, rec: AppRec | null, ref: string, chosenBy?: string): void {
    const appId = rec?.app.id ?? null;
    const dsm = djangoModuleCandidates(facts, this.l.all, this.r.envSources());
    const add = (t: FileFacts, settings: SettingAssignment[], by: string | undefined, file = t.pf.file): void => {
      this.r.markReferenced(t.pf.file);
      this.r.addSource({ kind: 'django-settings', file, loc, namespace, appId, objectRef: ref, isDjangoConfSettings: ref === 'django.conf:settings', settings, ...(by ?? chosenBy ? { chosenBy: by ?? chosenBy } : {}) }, rec, `@${facts.pf.file}:${loc.line}`);
    };
    if (dsm.length === 0) {
      // only the test runner names one (pytest.ini, [tool.pytest.ini_options], setup.cfg [tool:pytest]): its package
      // tells where the settings live, but a test module is never read as the worker's settings
      const fromTests = this.productionFromTestSettings();
      for (const c of fromTests) add(c.facts, this.r.moduleSettings(c.facts, appId), c.by);
      if (fromTests.length > 0) return;
      const targets = this.l.filesWhere((f) => /(^|\/)settings\.py$/.test(f) || /(^|\/)settings\/[^/]+\.py$/.test(f));
      if (targets.length === 0) this.r.unread({ file: facts.pf.file, loc, what: `Django settings read by config_from_object('${ref}')`, reason: 'no DJANGO_SETTINGS_MODULE and no settings module found in the project', holds: 'config', ...(appId ? { appId } : {}) });
      for (const t of targets) add(t, this.r.moduleSettings(t, appId), undefined);
      return;
    }
    for (const c of dsm) {
      const t = this.l.findModule(c.value) ?? this.r.findModuleLoose(c.value);
      if (!t) {
        this.r.unread({ file: facts.pf.file, loc, what: `Django settings module chosen by DJANGO_SETTINGS_MODULE (${c.by})`, reason: templated(c.value) ? 'a template expression jobctl does not render' : `'${c.value}' is not a module of the project`, holds: 'config', ...(appId ? { appId } : {}), choice: { key: 'DJANGO_SETTINGS_MODULE', value: c.value, by: c.by } });
        continue;
      }
      const classes = this.configurationClasses(t);
      if (classes.length === 0) {
        const loader = this.loaderClass(t);
        const fromClass = loader ? this.r.classAttrs(loader.facts, loader.cls, appId) : [];
        add(t, [...this.r.moduleSettings(t, appId), ...fromClass], dsm.length > 1 ? c.by : undefined);
        continue;
      }
      // django-configurations: the class named by DJANGO_CONFIGURATION holds the settings
      const wanted = envCandidates('DJANGO_CONFIGURATION', this.r.envSources()).map((x) => x.value);
      const chosen = classes.filter((k) => wanted.includes(k.cls.name));
      for (const k of chosen.length > 0 ? chosen : classes) add(k.facts, this.r.classAttrs(k.facts, k.cls, appId), `${c.by}, class ${k.cls.name}`);
    }
  }

  /**
   * The production settings that the test runner's DJANGO_SETTINGS_MODULE points at: its value itself when it is
   * no test module (`proj.settings`: the tests run with the real settings); for a test module (`config.django.test`)
   * its package's production modules (prod.py, production.py …), else its base (base.py, common.py, defaults.py), else the project
   * modules the test module star-imports. A test module under a tests/ folder says nothing about production.
   */
  private productionFromTestSettings(): { facts: FileFacts; by: string }[] {
    const out: { facts: FileFacts; by: string }[] = [];
    const push = (facts: FileFacts | undefined, by: string): void => {
      if (facts && !out.some((o) => o.facts === facts)) out.push({ facts, by });
    };
    for (const c of envCandidates('DJANGO_SETTINGS_MODULE', this.r.envSources().filter((e) => e.source === 'pytest'))) {
      const mod = this.l.findModule(c.value) ?? this.r.findModuleLoose(c.value);
      if (!isTestModule(c.value)) {
        push(mod, `${c.by}, the settings the tests run with (nothing else names one)`);
        continue;
      }
      const pkg = c.value.split('.').slice(0, -1).join('.');
      if (!pkg || isTestModule(pkg)) continue;
      const siblings = [...this.l.index.all()].filter((i) => i.module.startsWith(`${pkg}.`) && !i.module.slice(pkg.length + 1).includes('.') && !isTestModule(i.module));
      const last = (m: string): string => m.slice(m.lastIndexOf('.') + 1);
      const prod = siblings.filter((i) => /^(prod|production|live|deploy)(_|$)/.test(last(i.module)));
      const base = siblings.filter((i) => /^(base|common|defaults?|settings)$/.test(last(i.module)));
      const chosen = prod.length > 0 ? prod : base;
      const by = `the package of ${c.value} (${c.by}, the test settings)`;
      for (const i of chosen) push(this.l.loader.load(i.file) ?? undefined, by);
      if (chosen.length === 0 && mod) {
        for (const star of mod.starImports) if (!isTestModule(star.module)) push(this.l.findModule(star.module), by);
      }
    }
    return out;
  }

  /** django-configurations classes (subclasses of configurations.Configuration) visible in a settings module. */
  /**
   * A settings module that ends by copying a class's attributes into itself: `CeleryDevSettings.load_settings(__name__)`
   * (readthedocs' settings classes) — a module-level call on a class of the project whose only argument is `__name__`.
   * The class's attributes (with its bases') are the module's settings.
   */
  private loaderClass(t: FileFacts): { facts: FileFacts; cls: RawClass } | null {
    for (const call of t.moduleCalls) {
      if (call.argsText !== '__name__' || Object.keys(call.kwargs).length > 0) continue;
      const m = /^([A-Za-z_]\w*)\.[A-Za-z_]\w*$/.exec(call.callee);
      const s = m ? this.l.lookupName(t, null, m[1]!) : null;
      if (s?.kind === 'class') return { facts: s.facts, cls: s.cls };
    }
    return null;
  }

  private configurationClasses(t: FileFacts): { facts: FileFacts; cls: RawClass }[] {
    const out: { facts: FileFacts; cls: RawClass }[] = [];
    const isConf = (f: FileFacts, cls: RawClass, depth: number): boolean => depth < 6 && cls.bases.some((b) => {
      if (/^configurations(\.base)?\.Configuration$/.test(this.l.resolveWritten(f, null, b))) return true;
      const s = this.l.lookupName(f, null, b);
      return s?.kind === 'class' && isConf(s.facts, s.cls, depth + 1);
    });
    const visit = (f: FileFacts, seen: Set<FileFacts>): void => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const cls of f.classes.values()) if (isConf(f, cls, 0)) out.push({ facts: f, cls });
      for (const star of f.starImports) {
        const m = this.l.findModule(star.module);
        if (m) visit(m, seen);
      }
      for (const [name, target] of f.imports) {
        if (name.startsWith('\0')) continue;
        const s = this.l.lookup(target);
        if (s?.kind === 'class' && isConf(s.facts, s.cls, 0) && !out.some((o) => o.cls === s.cls)) out.push({ facts: s.facts, cls: s.cls });
      }
    };
    visit(t, new Set());
    return out;
  }
}

/** DJANGO_SETTINGS_MODULE values the worker may run with (deploy files first, then the code's default). */
function djangoModuleCandidates(celeryFile: FileFacts, all: FileFacts[], env: EnvCandidateSource[]): EnvCandidate[] {
  const deploy = envCandidates('DJANGO_SETTINGS_MODULE', env.filter((e) => e.source !== 'python' && e.source !== 'pytest'));
  const base = (f: FileFacts): string => f.pf.file.slice(f.pf.file.lastIndexOf('/') + 1);
  const order = [celeryFile, ...all.filter((f) => base(f) === 'manage.py'), ...all.filter((f) => base(f) === 'wsgi.py' || base(f) === 'asgi.py'), ...all];
  // `if sys.argv[1] == "test": os.environ.setdefault(..., "proj.settings.test")` in manage.py is the test runner's
  const py = order.find((f) => f.djangoSettingsModule && !isTestModule(f.djangoSettingsModule));
  const out = [...deploy];
  if (py && !out.some((c) => c.value === py.djangoSettingsModule)) out.push({ value: py.djangoSettingsModule!, by: `os.environ.setdefault in ${py.pf.file}` });
  return out;
}

/** A test settings module: `config.django.test`, `proj.settings.testing`, `tests.settings`, `proj.test_settings`, `settings_ci`. */
function isTestModule(mod: string): boolean {
  const parts = mod.split('.');
  const last = parts[parts.length - 1]!;
  return parts.some((p) => /^(tests?|testing)$/i.test(p)) || /^(test|tests|testing|ci)(_|$)|_tests?$|^test_?settings$|^settings_?(tests?|testing|ci)$|^settings_test/i.test(last);
}
