// Where `celery -A <module>` must run from: the folder that makes the app's module importable.
// For apps/backend/celery_config.py read as module `celery_config`, that is apps/backend — the
// project root would give "No module named 'celery_config'". Runtime commands use it as the
// worker's cwd and PYTHONPATH.
import path from 'node:path';
import type { CeleryApp, ProjectModel } from './types.js';

/** The import folder of one app: its file path minus the module path (relative, '' = the root). */
export function appImportDir(app: Pick<CeleryApp, 'module' | 'file'>): string {
  const parts = app.file.split('/');
  const strip = app.module.split('.').length + (parts.at(-1) === '__init__.py' ? 1 : 0);
  return parts.slice(0, Math.max(0, parts.length - strip)).join('/');
}

export function appSourceRoot(model: ProjectModel, spec: string): string {
  const moduleName = spec.split(':')[0]!.trim();
  const candidates = model.apps.filter((a) => a.module === moduleName || moduleName.startsWith(`${a.module}.`) || a.module.startsWith(`${moduleName}.`) || a.module === `${moduleName}.celery`);
  const app = candidates[0];
  if (!app) return model.root;
  return path.join(model.root, ...appImportDir(app).split('/').filter(Boolean));
}
