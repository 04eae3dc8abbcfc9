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
        add(t, this.r.moduleSettings(t, appId), dsm.length > 1 ? c.by : undefined);
        continue;
      }
      // django-configurations: the class named by DJANGO_CONFIGURATION holds the settings
      const wanted = envCandidates('DJANGO_CONFIGURATION', this.r.envSources()).map((x) => x.value);
      const chosen = classes.filter((k) => wanted.includes(k.cls.name));
      for (const k of chosen.length > 0 ? chosen : classes) add(k.facts, this.r.classAttrs(k.facts, k.cls, appId), `${c.by}, class ${k.cls.name}`);
    }
  }

  /** django-configurations classes (subclasses of configurations.Configuration) visible in a settings module. */
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
  const py = order.find((f) => f.djangoSettingsModule && !TEST_SETTINGS.test(f.djangoSettingsModule));
  const out = [...deploy];
  if (py && !out.some((c) => c.value === py.djangoSettingsModule)) out.push({ value: py.djangoSettingsModule!, by: `os.environ.setdefault in ${py.pf.file}` });
  return out;
}

/** A settings module for the test runner (proj.settings.test, test_settings, settings_ci …): not the worker's. */
const TEST_SETTINGS = /(^|\.)(tests?|testing|ci)(_settings)?$|(^|[._])(tests?|testing)_?settings$|settings_?(tests?|testing|ci)$/i;
