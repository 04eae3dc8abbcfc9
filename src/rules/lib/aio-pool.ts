// Does a worker await coroutine (`async def`) tasks? Celery does not; celery-aio-pool / celery-pool-asyncio do, either
// as the worker's pool (`-P custom` + CELERY_CUSTOM_WORKER_POOL, `worker_pool=`) or by replacing Celery's
// `celery.app.trace.build_tracer` in the module that defines the app (then every worker that loads the app awaits them,
// whatever its pool: celery_aio_pool's tracer runs each task through AsyncIOPool.run_in_pool, which starts its own loop).
import type { ProjectModel, WorkerCommand } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { effectiveSettings, isTestFile } from './settings.js';
import { asString } from './values.js';

const AIO = /celery_aio_pool|celery_pool_asyncio/;

export interface AioSetup {
  /** the project uses such a package at all (dependency, import, a worker command naming it) */
  uses: { what: string; where: string } | null;
  /** the tracer is replaced when the app module is imported: every worker of the app awaits coroutine tasks */
  patchedAtImport: string | null;
  /** worker commands that run the aio pool / that do not */
  aioWorkers: WorkerCommand[];
  plainWorkers: WorkerCommand[];
  /** CELERY_CUSTOM_WORKER_POOL set from Python code: too late, `celery.concurrency` reads it when the CLI starts */
  lateEnv: string | null;
}

export function aioSetup(model: ProjectModel, k: Knowledge): AioSetup {
  let uses: AioSetup['uses'] = null;
  for (const d of model.dependencies) if (!uses && /^celery-(aio-pool|pool-asyncio)$/.test(d.name)) uses = { what: d.name, where: `${d.file}:${d.loc.line}` };
  let patchedAtImport: string | null = null;
  const appFiles = new Set(model.apps.map((a) => a.file));
  for (const f of model.files) {
    if (f.kind !== 'python' || isTestFile(f.file)) continue;
    // the literal checks first: the line-anchored regexes cost ~30 ms CPU over saleor's files, which name neither
    const imp = AIO.test(f.text) ? /(?:^|\n)\s*(?:from|import)\s+(celery_aio_pool|celery_pool_asyncio)\b/.exec(f.text) : null;
    const patch = f.text.includes('build_tracer') || f.text.includes('patch_celery_tracer') ? /\b(?:celery\.app\.trace|trace)\.build_tracer\s*=(?!=)|\bpatch_celery_tracer\s*\(/.exec(f.text) : null;
    if (!uses && (imp || patch)) uses = { what: imp?.[1] ?? 'a patched build_tracer', where: f.file };
    if (patch && !patchedAtImport && appFiles.has(f.file)) patchedAtImport = `${f.file}:${f.text.slice(0, patch.index).split('\n').length}`;
  }
  const deployEnv = model.envAssignments.filter((e) => e.key === 'CELERY_CUSTOM_WORKER_POOL' && e.source !== 'python' && e.source !== 'pytest');
  const late = model.envAssignments.find((e) => e.key === 'CELERY_CUSTOM_WORKER_POOL' && e.source === 'python' && AIO.test(e.value));
  const configured = effectiveSettings(model, k).find((s) => s.newName === 'worker_pool');
  const configuredAio = !!configured && AIO.test(asString(configured.assignment.value) ?? configured.assignment.valueText);
  const runsAio = (w: WorkerCommand): boolean => {
    if (AIO.test(w.raw)) return w.pool !== 'custom' || /CELERY_CUSTOM_WORKER_POOL=\S*(celery_aio_pool|celery_pool_asyncio)/.test(w.raw) || deployEnv.some((e) => AIO.test(e.value));
    if (w.pool === 'custom') return deployEnv.some((e) => AIO.test(e.value) && (!e.scope || !w.processName || e.scope === w.processName));
    return w.pool === null && configuredAio;
  };
  const workers = model.workerCommands.filter((w) => w.subcommand === 'worker');
  if (!uses && workers.some(runsAio)) uses = { what: 'celery-aio-pool', where: `${workers.find(runsAio)!.file}:${workers.find(runsAio)!.loc.line}` };
  return {
    uses,
    patchedAtImport,
    aioWorkers: workers.filter(runsAio),
    plainWorkers: workers.filter((w) => !runsAio(w)),
    lateEnv: late ? `${late.file}:${late.loc.line}` : null,
  };
}
