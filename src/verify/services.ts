// Worker services of a monorepo: folders that each carry their own requirement files and their own
// Celery app (services/api/requirements.txt + services/api/app/celery_app.py, services/worker/…),
// each built into its own image. A rehearsal installs what one service's image installs — never
// the union of every service's files (two services may pin different redis-py versions, and a
// venv from both would not even resolve) — so verify runs once per worker service.
import path from 'node:path';
import type { ProjectModel } from '../model/types.js';
import { deployedAppSpec } from '../runtime/deployed.js';

export interface WorkerService {
  /** the service's folder, relative to the project root ('services/worker'); '' for the root */
  folder: string;
  /** its production requirement files, relative to the project root */
  files: string[];
  /** its Celery app, as given to `celery -A` (module:variable) */
  app: string;
}

const NON_PROD_FILE = /(^|[-_./])(dev|test|tests|testing|lint|docs?|ci|local)([-_.]|$)/i;

/** the folder a requirement file describes: requirements/base.txt belongs to the folder above requirements/ */
function serviceFolderOf(file: string): string {
  const dir = path.posix.dirname(file);
  const folder = /^(requirements|reqs|requirements\.d)$/i.test(path.posix.basename(dir)) ? path.posix.dirname(dir) : dir;
  return folder === '.' ? '' : folder;
}

const inside = (file: string, folder: string): boolean => folder === '' || file === folder || file.startsWith(`${folder}/`);

/**
 * The worker services of a project whose production requirements live in more than one folder.
 * A folder is a worker service when a Celery app defined under it (and under no deeper service
 * folder) has tasks there or is the app of a deployed `celery worker` command. Returns [] when the
 * project has one requirements folder (the project is the service) or no app can be placed.
 */
export function workerServices(model: ProjectModel): WorkerService[] {
  // manifests and locks alike: a service's poetry.lock belongs to it too
  const prodFiles = [...new Set(model.dependencies
    .filter((d) => !NON_PROD_FILE.test(path.posix.basename(d.file)) && !/(^|\/)tests?\//.test(d.file))
    .map((d) => d.file))].sort();
  const folders = new Map<string, string[]>();
  for (const f of prodFiles) {
    const folder = serviceFolderOf(f);
    folders.set(folder, [...(folders.get(folder) ?? []), f]);
  }
  if (folders.size < 2) return [];
  // the deepest requirements folder holding a file is the service it belongs to
  const ordered = [...folders.keys()].sort((a, b) => b.length - a.length);
  const ownerOf = (file: string): string | undefined => ordered.find((folder) => inside(file, folder));
  const workerApps = new Set(model.workerCommands.filter((w) => w.subcommand === 'worker' && w.app).map((w) => w.app!.split(':')[0]!));
  const out: WorkerService[] = [];
  for (const folder of ordered) {
    const apps = model.apps.filter((a) => ownerOf(a.file) === folder);
    const withTasks = apps.filter((a) => model.tasks.some((t) => ownerOf(t.file) === folder)
      || workerApps.has(a.module) || [...workerApps].some((w) => a.module.startsWith(`${w}.`)) || deployedAppSpec(model, a) !== null);
    const app = withTasks[0] ?? null;
    if (!app) continue;
    out.push({ folder, files: folders.get(folder)!, app: deployedAppSpec(model, app) ?? `${app.module}:${app.variable}` });
  }
  // a root project with a side folder of requirements (docs/, tools/) is one service, as before;
  // split only when a worker service lives in its own folder or two folders both install Celery
  const withCelery = new Set(model.dependencies.filter((d) => d.name === 'celery' && prodFiles.includes(d.file)).map((d) => serviceFolderOf(d.file)));
  if (!out.some((s) => s.folder !== '') && withCelery.size < 2) return [];
  return out.sort((a, b) => a.folder.localeCompare(b.folder));
}

/** The project model as one service sees it: its own requirement files, its own apps and tasks. */
export function modelForService(model: ProjectModel, svc: WorkerService): ProjectModel {
  const files = new Set(svc.files);
  const under = (f: string): boolean => inside(f, svc.folder);
  return {
    ...model,
    dependencies: model.dependencies.filter((d) => files.has(d.file)),
    apps: model.apps.filter((a) => under(a.file)),
    tasks: model.tasks.filter((t) => under(t.file)),
    // a root compose file runs every service: its worker commands are kept (the app name tells them apart)
    workerCommands: model.workerCommands.filter((w) => under(w.file) || !w.file.includes('/')),
  };
}
