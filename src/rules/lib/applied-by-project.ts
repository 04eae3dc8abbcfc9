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

/** The config assignment of the project (not test code) whose value reads `name`, handing it to a Celery setting. */
export function appliedByProject(model: ProjectModel, k: Knowledge, name: string): AppliedBy | null {
  const reads = new RegExp(`(^|[^\\w'"])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  for (const source of model.configSources) {
    for (const a of source.settings) {
      if (a.name === name || isTestFile(a.loc.file) || !reads.test(a.valueText)) continue;
      const setting = k.settings.has(a.name) ? a.name : k.oldToNew.get(a.name.toUpperCase()) ?? null;
      if (setting) return { source, assignment: a, setting };
    }
  }
  return null;
}
