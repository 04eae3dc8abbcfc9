// Old-style setting names under a namespace (config_from_object(..., namespace='CELERY')), per Celery version.
//
// Celery's ConfigurationView tries, for setting `task_always_eager` under prefix CELERY_, the keys
// CELERY_TASK_ALWAYS_EAGER, task_always_eager and the old alias CELERY_ALWAYS_EAGER (`_keys` =
// _old_key_to_new/_new_key_to_old, celery/utils/collections.py `_to_keys`).
// - up to 5.6.3 `__getitem__` loops keys outside maps: the new name is found in the *defaults* map before the old
//   alias is tried in the user's map, so the old alias is never read (dormant);
// - from 5.7.0 it loops maps outside keys (user config first): the old alias set by the user wins over the default
//   (changelog-5.7 "Respect map order in ConfigurationView lookups" #10597, "Make ConfigurationView membership match
//   key lookup" #10586). Executed on 5.3.6, 5.6.3 and 5.7.0 by test/audit/namespace-real-celery.test.ts.
// Only the exact old alias activates; a prefixed old name (CELERY_CELERYD_CONCURRENCY) and doc-table-only names
// stay ignored; a namespaced new name (or bare new name) set in the same config is tried first and wins.
import type { ConfigSource, ProjectModel, SettingAssignment } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { compareVersions } from './versions.js';
import { isTestFile } from './settings.js';
import { maskValue } from '../../util/mask.js';

export const OLD_NAMES_APPLY_UNDER_NAMESPACE_FROM = '5.7.0';

export const NAMESPACE_SOURCES = [
  { title: 'Namespace lookup tries prefixed, new and old names; 5.7.0 walks the user config first', ref: 'celery 5.7.0 wheel: celery/utils/collections.py (ConfigurationView.__getitem__, _to_keys)' },
  { title: 'Changelog 5.7.0: Respect map order in ConfigurationView lookups (#10597); Make ConfigurationView membership match key lookup (#10586)', ref: 'celery-5.7.0.tar.gz (PyPI sdist):docs/history/changelog-5.7.rst' },
  { title: 'Executed on Celery 5.3.6, 5.6.3 and 5.7.0 (plain module and Django)', ref: 'docs/evidence/namespace-old-names.celery-5.6.3-5.7.0.txt' },
];

/** What an old name does under a namespace. */
export interface NamespacedOldKey {
  /** Celery >= 5.7.0 reads this key (it is the exact old alias of newName) */
  activates: boolean;
  /** a key of the same setting that Celery tries first (namespaced or bare new name), which keeps this one dormant */
  shadowedBy: SettingAssignment | null;
  /** Celery's default for the setting (python repr), what runs while the key is dormant */
  defaultRepr: string | null;
}

export function namespacedOldKey(model: ProjectModel, source: ConfigSource, a: SettingAssignment, newName: string, k: Knowledge): NamespacedOldKey {
  const ns = source.namespace ?? 'CELERY';
  const firstTried = new Set([`${ns}_${newName.toUpperCase()}`, newName]);
  let shadowedBy: SettingAssignment | null = null;
  const test = isTestFile(source.file);
  for (const s of model.configSources) {
    // test settings do not shadow a key of the production settings (they are another settings module)
    if (!s.namespace || s.appId !== source.appId || (!test && s.file !== source.file && isTestFile(s.file))) continue;
    for (const other of s.settings) if (firstTried.has(other.name)) shadowedBy ??= other;
  }
  return { activates: k.oldToNew.get(a.name) === newName, shadowedBy, defaultRepr: k.settings.get(newName)?.default ?? null };
}

/** Where the version line sits relative to 5.7.0: 'before' (dormant), 'after' (applied), or unknown. */
export function appliesIn(version: string | null | undefined): boolean | null {
  if (!version) return null;
  return compareVersions(version, OLD_NAMES_APPLY_UNDER_NAMESPACE_FROM) >= 0;
}

const CONSEQUENCE: Record<string, string> = {
  task_always_eager: 'every `.delay()`/`apply_async()` then runs the task inline in the caller (the web request), not on a worker',
  broker_url: 'the app then connects to this broker',
  result_backend: 'results then go to this backend',
  worker_concurrency: 'it then sets the number of worker processes',
  task_eager_propagates: 'eager tasks then raise in the caller',
};

export function consequenceOf(newName: string): string | null {
  return CONSEQUENCE[newName] ?? null;
}

/** One-line text for a dormant key that a 5.7 upgrade activates (shared by JC103 and upgrade-plan). */
export function activationText(a: SettingAssignment, newName: string, info: NamespacedOldKey, target: string): string {
  const what = consequenceOf(newName);
  const today = info.defaultRepr !== null ? `Celery runs with the default \`${newName} = ${info.defaultRepr}\`` : 'Celery runs with the default';
  return `ignored today (${today}); this dormant key becomes active on the upgrade to ${target}, with value \`${short(maskValue(a.name, a.valueText))}\`${what ? `: ${what}` : ''}`;
}

export function isProductionSettings(file: string): boolean {
  return !isTestFile(file);
}

function short(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}
