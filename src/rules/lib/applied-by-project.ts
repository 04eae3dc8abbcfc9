// A key Celery itself ignores can still take effect: the project reads it and hands the value to Celery under the
// name Celery does read (`app.conf.task_routes = settings.CELERY_ROUTES`, `app.conf.beat_schedule =
// app.conf.CELERY_BEAT_SCHEDULE`). Such a key is the project's own setting, not an ignored one. Only an assignment
// that *reads* the key counts — a second assignment of the same name (a sibling settings module) is no read.
import type { ConfigSource, ProjectModel, SettingAssignment } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { isTestFile } from './settings.js';

export interface AppliedBy {
  source: ConfigSource;
  assignment: SettingAssignment;
  /** the Celery setting (new name) the value is handed to */
  setting: string;
}

const cache = new WeakMap<ProjectModel, Map<string, AppliedBy>>();

/**
 * The config assignment of the project (not test code) whose value reads `name`, handing it to a Celery setting.
 * Indexed once per model by the names each such value reads (a name preceded by a quote is a string, no read).
 */
export function appliedByProject(model: ProjectModel, k: Knowledge, name: string): AppliedBy | null {
  let index = cache.get(model);
  if (!index) {
    index = new Map();
    for (const source of model.configSources) {
      for (const a of source.settings) {
        if (isTestFile(a.loc.file)) continue;
        const setting = k.settings.has(a.name) ? a.name : k.oldToNew.get(a.name.toUpperCase()) ?? null;
        if (!setting) continue;
        for (const m of a.valueText.matchAll(/[A-Za-z_]\w*/g)) {
          const before = m.index > 0 ? a.valueText[m.index - 1]! : '';
          if (before === "'" || before === '"' || m[0] === a.name || index.has(m[0])) continue;
          index.set(m[0], { source, assignment: a, setting });
        }
      }
    }
    cache.set(model, index);
  }
  return index.get(name) ?? null;
}
