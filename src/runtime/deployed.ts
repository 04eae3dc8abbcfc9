// The pool and concurrency the project deploys its worker with (the `celery worker` command jobctl
// found in compose, Procfile, systemd, k8s, shell scripts: model.workerCommands; else the app's
// worker_pool/worker_concurrency settings), so smoke-test and load-test run the worker the way
// production does. Flags override. On a small machine the count is capped, with a line saying so.
import os from 'node:os';
import type { ProjectModel, WorkerCommand } from '../model/types.js';

export interface PoolChoice {
  pool: string;
  concurrency: number;
  /** where the pool came from: '--pool', 'docker-compose.yml:12', 'app setting worker_pool', 'default' */
  poolSource: string;
  concurrencySource: string;
  /** the deployed value when it was capped on this machine */
  cappedFrom?: number;
  /** one line for the user when something was capped or guessed */
  note?: string;
}

/** pools whose "concurrency" is threads/greenlets in one process, not processes */
const IN_PROCESS = new Set(['gevent', 'eventlet', 'threads']);

export function normalizePool(p: string): string {
  const s = p.toLowerCase();
  if (s.includes('gevent')) return 'gevent';
  if (s.includes('eventlet')) return 'eventlet';
  if (s === 'processes' || s.includes('prefork')) return 'prefork';
  if (s.includes('thread')) return 'threads';
  if (s.includes('solo')) return 'solo';
  return s;
}

/** the `celery worker` commands for this app (or all worker commands when none names an app) */
export function deployedWorkers(model: ProjectModel | undefined, app: string): WorkerCommand[] {
  const workers = (model?.workerCommands ?? []).filter((w) => w.subcommand === 'worker');
  const mod = app.split(':')[0]!;
  const mine = workers.filter((w) => w.app && (w.app === app || w.app.split(':')[0] === mod || mod.startsWith(`${w.app}.`) || w.app.startsWith(`${mod}.`) || w.app === mod.split('.')[0]));
  return mine.length ? mine : workers.filter((w) => !w.app);
}

/**
 * Caps: a small machine cannot run a 16-process deployment next to everything else; 4 processes
 * (or the core count if higher, up to 8) and 50 greenlets/threads show the pool's behaviour.
 */
export function capFor(pool: string): number {
  if (IN_PROCESS.has(pool)) return pool === 'threads' ? 16 : 50;
  return Math.min(8, Math.max(4, os.availableParallelism?.() ?? os.cpus().length));
}

export function choosePoolAndConcurrency(o: {
  model?: ProjectModel;
  app: string;
  flagPool?: string;
  flagConcurrency?: number;
  /** use the deployed concurrency even when it exceeds the cap */
  full?: boolean;
  settingsPool?: unknown;
  settingsConcurrency?: unknown;
  /** when nothing is known */
  defaultConcurrency?: number;
}): PoolChoice {
  const deployed = deployedWorkers(o.model, o.app);
  // pool and concurrency of ONE command: a script with a dev branch (`--pool=solo`) and a prod branch
  // (`--concurrency=4`) must not become `solo -c 4`, a worker nobody runs
  const first = deployed.find((w) => w.pool || (w.concurrency !== null && w.concurrency > 0));
  const withPool = first?.pool ? first : undefined;
  const withConc = first && first.concurrency !== null && first.concurrency > 0 ? first : undefined;
  const where = (w: WorkerCommand): string => `${w.file}:${w.loc.line}${w.processName ? ` (${w.processName})` : ''}`;
  let pool = 'prefork';
  let poolSource = 'default';
  if (o.flagPool) { pool = normalizePool(o.flagPool); poolSource = '--pool'; }
  else if (withPool?.pool) { pool = normalizePool(withPool.pool); poolSource = where(withPool); }
  // worker_pool always reads 'prefork' when the app does not set it (Celery's default), so only
  // another value says the app chose it
  else if (typeof o.settingsPool === 'string' && o.settingsPool && normalizePool(o.settingsPool) !== 'prefork') { pool = normalizePool(o.settingsPool); poolSource = 'app setting worker_pool'; }
  else if (first ?? deployed[0]) poolSource = `${where((first ?? deployed[0])!)} (no -P: prefork)`;

  if (o.flagConcurrency !== undefined) return { pool, concurrency: o.flagConcurrency, poolSource, concurrencySource: '--concurrency' };
  let wanted: number | null = null;
  let concurrencySource = 'default';
  if (withConc?.concurrency) { wanted = withConc.concurrency; concurrencySource = where(withConc); }
  else if (typeof o.settingsConcurrency === 'number' && o.settingsConcurrency > 0) { wanted = o.settingsConcurrency; concurrencySource = 'app setting worker_concurrency'; }
  if (wanted === null) return { pool, concurrency: o.defaultConcurrency ?? 2, poolSource, concurrencySource };
  const cap = capFor(pool);
  if (!o.full && wanted > cap) {
    const unit = pool === 'prefork' ? 'processes' : pool === 'threads' ? 'threads' : 'greenlets';
    return { pool, concurrency: cap, poolSource, concurrencySource, cappedFrom: wanted, note: `deployed concurrency ${wanted} (${concurrencySource}) capped to ${cap} ${unit} on this machine; pass --full-concurrency to run all ${wanted}` };
  }
  return { pool, concurrency: wanted, poolSource, concurrencySource };
}

/**
 * The environment the deployed worker gets from the project's own files (compose `environment:`
 * of the worker's service, env assignments the model read for that service, Dockerfile ENV): many
 * settings modules read them at import (`os.environ.get("DJANGO_ALLOWED_HOSTS").split(" ")`), so an
 * app that imports in production fails without them. Values with unresolved `${...}` are left out;
 * the caller's own environment wins over the files. Keys only are ever shown.
 */
export function deployedEnv(model: ProjectModel | undefined, app: string): { env: Record<string, string>; keys: string[]; sources: string[] } {
  const env: Record<string, string> = {};
  const sources = new Set<string>();
  const worker = deployedWorkers(model, app)[0];
  const service = worker?.processName;
  const put = (key: string, value: string, where: string): void => {
    if (value.includes('${') || key in env) return;
    env[key] = value;
    sources.add(where);
  };
  for (const a of model?.envAssignments ?? []) {
    const scoped = a.scope !== undefined && service !== undefined && a.scope === service;
    const global = a.scope === undefined && (a.source === 'dockerfile' || a.source === 'dotenv');
    if (scoped || global) put(a.key, a.value, a.file);
  }
  if (worker?.source === 'compose' && service) {
    const svc = (model?.composeServices ?? []).find((s) => s.name === service && s.file === worker.file);
    for (const e of (svc as { environment?: { key: string; value: string | null }[] } | undefined)?.environment ?? []) {
      if (typeof e.value === 'string') put(e.key, e.value, `${worker.file} (${service})`);
    }
  }
  return { env, keys: Object.keys(env).sort(), sources: [...sources] };
}

/**
 * The app spec a deployed `celery worker` command gives for this app when it names it from a folder
 * above the app's own (`celery --app=celery_app.celery_worker.app` run from the repo root, where the
 * app module `celery_worker` imports the sibling package `core`): the worker must be started the same
 * way, or imports that work in production fail under jobctl. Null when no command names it so.
 */
export function deployedAppSpec(model: ProjectModel, app: { module: string; variable: string }): string | null {
  const full = `${app.module}.${app.variable}`;
  for (const w of model.workerCommands) {
    if (w.subcommand !== 'worker' || !w.app) continue;
    const dotted = w.app.replace(':', '.');
    if (dotted.endsWith(`.${full}`) || dotted.endsWith(`.${app.module}`)) return w.app;
  }
  // `celery -A celery_worker worker`, where celery_worker.py imports the app (and the task modules, and
  // runs set-up such as init_firebase()) from app/celery_app.py: the worker loads that module, so must jobctl
  const named = [...new Set(model.workerCommands.filter((w) => w.subcommand === 'worker' && w.app).map((w) => w.app!))];
  if (named.length !== 1) return null;
  const mod = named[0]!.split(':')[0]!;
  const file = model.files.find((f) => f.kind === 'python' && (f.file === `${mod.replace(/\./g, '/')}.py` || f.file.endsWith(`/${mod.replace(/\./g, '/')}.py`)));
  const esc = app.module.replace(/\./g, '\\.');
  return file && new RegExp(`^\\s*(from\\s+${esc}\\s+import|import\\s+${esc}\\b)`, 'm').test(file.text) ? named[0]! : null;
}
