// How Celery reads a setting key from a config source: new name, old alias, namespaced, ignored, unknown.
// Facts (verified on Celery 5.6.3, see docs/evidence/settings-mixing-trial.celery-5.6.3.txt and namespace-old-names.*):
// - without a namespace, new lowercase names and old uppercase aliases (defaults._TO_NEW_KEY) both work;
// - with namespace='CELERY', CELERY_ + NEW_NAME.upper() works; old names are ignored up to 5.6.3 and applied from
//   5.7.0 (lib/namespace.ts);
// - any other key is silently ignored (no error, no warning).
import { distance } from 'fastest-levenshtein';
import type { ConfigSource, ProjectModel, SettingAssignment } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';

export type KeyStatus =
  | { kind: 'new'; newName: string }
  | { kind: 'old'; newName: string }
  | { kind: 'namespaced'; newName: string }
  | { kind: 'ignored-by-namespace'; newName: string; working: string }
  /** a lowercase name in Django settings: django.conf.settings keeps only UPPERCASE names, Celery never sees it */
  | { kind: 'dropped-by-django'; newName: string; working: string | null }
  | { kind: 'doc-only'; newName: string; codeName: string }
  | { kind: 'unknown'; suggestion: string | null }
  | { kind: 'not-celery' };

/** Prefixes that mark an uppercase key as meant for Celery (Django settings hold many other keys). */
const CELERY_UPPER = /^(CELERY|CELERYD|CELERYBEAT|CELERYMON|BROKER)_/;
/** New-style namespaces (celery/app/defaults.py NAMESPACES) */
const CELERY_LOWER = /^(accept_content|enable_utc|imports|include|timezone|beat|broker|result|task|worker|redis|database|cache|cassandra|s3|azureblockblob|gcs|arangodb|cosmosdbsql|couchbase|elasticsearch|mongodb|riak|control|event|security|sqlalchemy|email|deprecated)(_|$)/;

// Every rule asks about the same keys: one classification per (knowledge, source, key). A config with
// 10,000 settings costs one suggestion search per key instead of one per key per rule.
const classified = new WeakMap<Knowledge, WeakMap<ConfigSource, Map<string, KeyStatus>>>();
/**
 * Settings Celery reads with `conf.get(...)` that celery/app/defaults.py does not declare (checked in the
 * 4.4.7, 5.3.6, 5.6.3 and 5.7.0 wheels): celery/backends/base.py `result_backend_thread_safe`, celery/backends/gcs.py
 * `gcs_threadpool_maxsize` (5.5+), celery/loaders/base.py and app/backends.py `override_backends`,
 * celery/backends/redis.py `redis_backend_health_check_interval` (5.3.6+; documented), `redis_backend_credential_provider`
 * and `redis_client_name` (5.6.3+), celery/backends/dynamodb.py `dynamodb_endpoint_url`,
 * celery/fixups/django.py `CELERY_DB_REUSE_MAX`. They are Celery's, not unknown.
 */
const READ_OUTSIDE_DEFAULTS = new Set([
  'result_backend_thread_safe', 'gcs_threadpool_maxsize', 'override_backends', 'redis_backend_health_check_interval',
  'redis_backend_credential_provider', 'redis_client_name', 'dynamodb_endpoint_url',
]);

/** the key without the config's namespace prefix (CELERY_REDBEAT_REDIS_URL under namespace CELERY → REDBEAT_REDIS_URL) */
function bareKey(name: string, ns: string | null | undefined): string {
  return ns && name.startsWith(`${ns}_`) ? name.slice(ns.length + 1) : name;
}

/**
 * Settings that Celery extensions read from the app's config (not Celery's; left alone, never "unknown", never a
 * typo of Celery's): celery-redbeat (redbeat/schedulers.py: redbeat_redis_url, redbeat_key_prefix, ...; REDBEAT_*
 * old style), celery-singleton (singleton_backend_url, ...), celery_once (app.conf.ONCE), django-celery-email
 * (CELERY_EMAIL_*), django-celery-beat (DJANGO_CELERY_BEAT_TZ_AWARE), django-celery-results
 * (DJANGO_CELERY_RESULTS_*), flower (FLOWER_* / flower_*), celery-beatx (beatx_*).
 */
const EXTENSION_KEY = /^(redbeat_|singleton_|flower_|beatx_|django_celery_beat_|django_celery_results_|celery_email_|mongodb_scheduler_|celery_once|once$)/i;

/** The extension a config key belongs to, or null; the key is tried with and without the config's namespace. */
export function extensionOf(name: string, namespace: string | null = null): string | null {
  const key = [bareKey(name, namespace), name].find((n) => EXTENSION_KEY.test(n))?.toLowerCase();
  if (key === undefined) return null;
  if (key.startsWith('redbeat_')) return 'celery-redbeat';
  if (key.startsWith('singleton_')) return 'celery-singleton';
  if (key.startsWith('flower_')) return 'flower';
  if (key.startsWith('beatx_')) return 'celery-beatx';
  if (key.startsWith('django_celery_beat_')) return 'django-celery-beat';
  if (key.startsWith('django_celery_results_')) return 'django-celery-results';
  if (key.startsWith('celery_email_')) return 'django-celery-email';
  // celerybeat-mongo's MongoScheduler reads mongodb_scheduler_db / _url / _collection / _connection_alias from app.conf (opendatateam/udata)
  if (key.startsWith('mongodb_scheduler_')) return 'celerybeat-mongo';
  return 'celery_once';
}

export function classifyKey(name: string, source: ConfigSource, k: Knowledge): KeyStatus {
  let bySource = classified.get(k);
  if (!bySource) classified.set(k, (bySource = new WeakMap()));
  let byName = bySource.get(source);
  if (!byName) bySource.set(source, (byName = new Map()));
  let status = byName.get(name);
  if (status === undefined) byName.set(name, (status = classifyKeyUncached(name, source, k)));
  return status;
}

function classifyKeyUncached(name: string, source: ConfigSource, k: Knowledge): KeyStatus {
  const bare = bareKey(name, source.namespace);
  if (extensionOf(name, source.namespace)) return { kind: 'not-celery' };
  if (name === 'CELERY_DB_REUSE_MAX') return { kind: 'new', newName: 'db_reuse_max' };
  if (READ_OUTSIDE_DEFAULTS.has(bare.toLowerCase()) && (bare === bare.toLowerCase() || bare !== name)) return { kind: 'new', newName: bare.toLowerCase() };
  const ns = source.namespace;
  const isDjango = source.kind === 'django-settings';
  if (source.kind === 'celery-ctor') return { kind: 'new', newName: name };
  if (isDjango && name !== name.toUpperCase()) {
    // Django's Settings copies only names that are isupper() (django/conf/__init__.py), whatever the namespace
    const bare = ns && name.toLowerCase().startsWith(`${ns.toLowerCase()}_`) ? name.slice(ns.length + 1).toLowerCase() : name;
    const fact = k.settings.get(bare);
    if (!fact || fact.removedIn || bare !== bare.toLowerCase()) return { kind: 'not-celery' };
    const old = [...k.oldToNew].find(([, v]) => v === bare)?.[0] ?? null;
    return { kind: 'dropped-by-django', newName: bare, working: ns ? `${ns}_${bare.toUpperCase()}` : old };
  }
  // a Flask config handed to conf.update holds the web app's own keys too: only Celery's names count
  const isFlask = source.kind === 'flask-config';
  if (ns) {
    const prefix = `${ns}_`;
    if (name.startsWith(prefix)) {
      const rest = name.slice(prefix.length);
      const asNew = rest.toLowerCase();
      if (k.settings.has(asNew) && !k.settings.get(asNew)!.removedIn) return { kind: 'namespaced', newName: asNew };
      const viaOld = k.oldToNew.get(name) ?? k.oldToNew.get(rest);
      if (viaOld) return { kind: 'ignored-by-namespace', newName: viaOld, working: `${prefix}${viaOld.toUpperCase()}` };
      const doc = k.docTableMismatches.find((d) => d.docOldName === name || d.docOldName === rest);
      if (doc) return { kind: 'ignored-by-namespace', newName: doc.docNewName, working: `${prefix}${doc.docNewName.toUpperCase()}` };
      return { kind: 'unknown', suggestion: closest(name, [...k.settings.keys()].map((s) => `${prefix}${s.toUpperCase()}`)) };
    }
    // no prefix: only Celery-looking keys are Celery's business (Django's EMAIL_HOST is Django's)
    if (!CELERY_UPPER.test(name)) return { kind: 'not-celery' };
    const viaOld = k.oldToNew.get(name);
    if (viaOld) return { kind: 'ignored-by-namespace', newName: viaOld, working: `${prefix}${viaOld.toUpperCase()}` };
    return { kind: 'not-celery' };
  }
  const fact = k.settings.get(name);
  if (fact && !fact.removedIn) return { kind: 'new', newName: name };
  const old = k.oldToNew.get(name);
  if (old) {
    if ((isDjango || isFlask) && !CELERY_UPPER.test(name)) return { kind: 'not-celery' };
    return { kind: 'old', newName: old };
  }
  const doc = k.docTableMismatches.find((d) => d.docOldName === name);
  if (doc) return { kind: 'doc-only', newName: doc.docNewName, codeName: doc.codeOldName ?? doc.docNewName };
  // the web app's own keys (SECRET_KEY, SQLALCHEMY_*, MAIL_*) are not Celery's; a CELERY_/BROKER_ key that is
  // no Celery name is ignored by Celery (JC104 leaves alone the ones the project reads itself: CELERY_BROKER_URL
  // handed to Celery(broker=…))
  if ((isDjango || isFlask) && !CELERY_UPPER.test(name)) return { kind: 'not-celery' };
  const upper = name === name.toUpperCase();
  // `celeryd_concurrency = 1`: an old name in lower case. Celery matches old names in upper case only, so it is
  // ignored (4.4.7 … 5.7.0, docs/evidence/lowercase-old-names.celery-4.4.7-5.7.0.txt); the suggestion is the new name
  const lowerOld = !upper ? k.oldToNew.get(name.toUpperCase()) : undefined;
  if (lowerOld) return { kind: 'unknown', suggestion: lowerOld };
  const candidates = upper ? [...k.oldToNew.keys()] : [...k.settings.keys()];
  const suggestion = closest(name, candidates);
  if (source.kind === 'config-module' || source.kind === 'config-object' || isDjango) {
    // module-level helpers (REDIS_HOST = ..., import os) are not settings; flag only what looks like one
    const near = suggestion !== null && distance(name.toLowerCase(), suggestion.toLowerCase()) <= 2;
    if (!near && !(upper ? CELERY_UPPER.test(name) : CELERY_LOWER.test(name))) return { kind: 'not-celery' };
    if (name.startsWith('_')) return { kind: 'not-celery' };
  }
  return { kind: 'unknown', suggestion };
}

export function closest(name: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  for (const c of candidates) {
    // the distance is at least the length difference: skip what cannot be a suggestion or beat the best
    if (Math.abs(c.length - name.length) > Math.min(limit, bestD)) continue;
    if (c.toLowerCase() === lower) continue; // the name itself (a removed setting) is no suggestion
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // a suggestion that shares less than half the name is noise
  return best !== null && bestD <= limit ? best : null;
}

export interface ResolvedSetting {
  newName: string;
  assignment: SettingAssignment;
  source: ConfigSource;
  status: KeyStatus;
}

/** Every assignment that Celery would actually read, by its new name. */
export function effectiveSettings(model: ProjectModel, k: Knowledge): ResolvedSetting[] {
  const out: ResolvedSetting[] = [];
  for (const source of model.configSources) {
    if (isTestFile(source.file)) continue; // test settings are not the production config
    for (const a of source.settings) {
      const status = classifyKey(a.name, source, k);
      if (status.kind === 'new' || status.kind === 'old' || status.kind === 'namespaced') out.push({ newName: status.newName, assignment: a, source, status });
    }
  }
  return out;
}

/** Every assignment that someone meant as a Celery setting, whether or not Celery reads it. */
export function intendedSettings(model: ProjectModel, k: Knowledge): ResolvedSetting[] {
  const out: ResolvedSetting[] = [];
  for (const source of model.configSources) {
    for (const a of source.settings) {
      const status = classifyKey(a.name, source, k);
      if (status.kind === 'not-celery' || status.kind === 'unknown') continue;
      out.push({ newName: status.newName, assignment: a, source, status });
    }
  }
  return out;
}

/**
 * The project's Celery apps: an app created inside test code (tests/, conftest.py, test_*.py) next to the
 * project's own app is a test double. When test code holds the only app (a reusable Django app whose runnable
 * project is tests/<project>/, as openwisp-monitoring's), that app is the one the project runs.
 */
export function projectApps(model: ProjectModel): ProjectModel['apps'] {
  // a test module (test_*.py, *_test.py, conftest.py) only ever creates doubles
  const apps = model.apps.filter((a) => !/(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.py$/.test(a.loc.file));
  const own = apps.filter((a) => !isTestFile(a.loc.file));
  return own.length > 0 ? own : apps;
}

/**
 * Is this file test code rather than production: tests/ folders, test_*.py / *_test(s).py, conftest.py, test settings
 * (settings/test*.py, *test*settings*), test runners (compose files for tests/CI), test doubles (fakes/mocks/stubs)?
 */
export function isTestFile(file: string): boolean {
  return /(^|\/)(tests?|testing|__tests__|test_utils|testutils|fakes?|mocks?|stubs?)\//.test(file)
    || /(^|\/)(test_[^/]*|[^/]*_tests?|tests?|testing|conftest|fakes?_[^/]*|mocks?_[^/]*|[^/]*_(fakes?|mocks?|stubs?))\.py$/.test(file)
    || /(^|\/)settings\/(test|testing|ci)[^/]*\.py$/i.test(file)
    || /test[^/]*settings|settings[^/]*test/i.test(file)
    || /(^|\/)[^/]*[.-](tests?|testing|integration[-_]tests?|ci)(\.[\w-]+)*\.ya?ml$/i.test(file);
}
