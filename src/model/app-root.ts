// Where `celery -A <module>` must run from: the folder that makes the app's module importable.
// For apps/backend/celery_config.py read as module `celery_config`, that is apps/backend — the
// project root would give "No module named 'celery_config'". Runtime commands use it as the
// worker's cwd and PYTHONPATH.
import path from 'node:path';
import type { ProjectModel } from './types.js';

export function appSourceRoot(model: ProjectModel, spec: string): string {
  const moduleName = spec.split(':')[0]!.trim();
  const candidates = model.apps.filter((a) => a.module === moduleName || moduleName.startsWith(`${a.module}.`) || a.module.startsWith(`${moduleName}.`) || a.module === `${moduleName}.celery`);
  const app = candidates[0];
  if (!app) return model.root;
  const depth = app.module.split('.').length;
  // apps/backend/celery_config.py, module celery_config → strip 1 path part; pkg/__init__.py → one more
  const parts = app.file.split('/');
  const isInit = parts.at(-1) === '__init__.py';
  const strip = depth + (isInit ? 1 : 0);
  const dirParts = parts.slice(0, Math.max(0, parts.length - strip));
  return path.join(model.root, ...dirParts);
}
