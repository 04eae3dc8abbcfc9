// Celery's mixing check (celery/app/utils.py detect_settings), reproduced: which keys make the app
// refuse to start. Celery counts only the keys of the object given to config_from_object(); when there
// is none, the keys set through app.conf.update()/app.conf.x (the "preconf"). With a namespace there is
// no check. Majority style wins; a tie goes to the new style; a key given in both forms is exempt.
// Verified on 5.6.3: docs/evidence/settings-mixing-trial.celery-5.6.3.txt
import type { ConfigSource, ProjectModel, SettingAssignment } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { classifyKey } from './settings.js';

export interface MixedKey {
  assignment: SettingAssignment;
  style: 'old' | 'new';
  /** what Celery's error tells the user to rename it to */
  renameTo: string;
}

const cache = new WeakMap<ProjectModel, MixedKey[]>();

export function mixedKeys(model: ProjectModel, k: Knowledge): MixedKey[] {
  const hit = cache.get(model);
  if (hit) return hit;
  const out: MixedKey[] = [];
  const byApp = new Map<string | null, ConfigSource[]>();
  for (const s of model.configSources) byApp.set(s.appId, [...(byApp.get(s.appId) ?? []), s]);
  const groups: ConfigSource[][] = [];
  for (const sources of byApp.values()) {
    const loaded = sources.filter((s) => s.kind === 'config-module' || s.kind === 'config-object' || s.kind === 'django-settings');
    if (loaded.length > 0) {
      const byRef = new Map<string, ConfigSource[]>();
      for (const s of loaded) byRef.set(s.objectRef ?? s.id, [...(byRef.get(s.objectRef ?? s.id) ?? []), s]);
      groups.push(...byRef.values());
    } else {
      const pre = sources.filter((s) => s.kind === 'conf-update' || s.kind === 'conf-attr');
      if (pre.length > 0) groups.push(pre);
    }
  }
  for (const sources of groups) {
    if (sources.some((s) => s.namespace)) continue;
    const news: SettingAssignment[] = [];
    const olds: { a: SettingAssignment; newName: string }[] = [];
    for (const s of sources) {
      for (const a of s.settings) {
        const st = classifyKey(a.name, s, k);
        if (st.kind === 'new') news.push(a);
        else if (st.kind === 'old') olds.push({ a, newName: st.newName });
      }
    }
    if (news.length === 0 || olds.length === 0) continue;
    if (olds.length > news.length) {
      const oldTargets = new Set(olds.map((o) => o.newName));
      for (const a of news) {
        if (oldTargets.has(a.name)) continue;
        const oldName = [...k.oldToNew.entries()].find(([, n]) => n === a.name)?.[0] ?? a.name.toUpperCase();
        out.push({ assignment: a, style: 'new', renameTo: oldName });
      }
    } else {
      const newNames = new Set(news.map((a) => a.name));
      for (const o of olds) if (!newNames.has(o.newName)) out.push({ assignment: o.a, style: 'old', renameTo: o.newName });
    }
  }
  cache.set(model, out);
  return out;
}
