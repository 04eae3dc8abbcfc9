// `jobctl verify` as a library call: run the staged verification steps for the project as it is,
// or rehearse an upgrade with the current and the target Celery side by side. Stages run in
// order with listr2; a stage whose inputs failed (no resolvable requirements, an app that does
// not import) makes the later runtime stages skip with that reason rather than fail twice.
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { ownModuleNames, summarizeSides } from './summary.js';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { buildProjectModel } from '../model/index.js';
import { loadConfig } from '../engine/config.js';
import { detectPackageVersion } from '../engine/versions.js';
import { loadKnowledge } from '../knowledge/index.js';
import { resolveAppDir, resolveAppSpec } from '../runtime/smoke.js';
import { JobctlError } from '../util/errors.js';
import { usesRedisBroker } from '../rules/lib/broker.js';
import type { VerifyContext, Side } from './context.js';
import type { ProjectModel } from '../model/types.js';
import type { JobctlConfig } from '../engine/config.js';
import { workerServices, modelForService, type WorkerService } from './services.js';
import { ALL_STAGES, DEFAULT_STAGES, type ComparisonRow, type ServiceVerifyResult, type StageId, type StageResult, type VerifyResult } from './types.js';
import { staticStage } from './stages/static.js';
import { depsStage } from './stages/deps.js';
import { importStage } from './stages/import.js';
import { smokeStage, loadStage } from './stages/runtime.js';
import { testsStage, detectPytest } from './stages/tests.js';
import { drillsStage } from './stages/drills.js';

export type { VerifyResult } from './types.js';
export { renderVerifyText, renderVerifyMarkdown } from './render.js';

export interface VerifyOptions {
  root: string;
  /** target version or line ('5.6.2', '5.6', 'latest'); absent = verify the project as it is */
  to?: string;
  /** override the detected current version */
  from?: string;
  stages?: StageId[];
  app?: string;
  /** interpreter that creates the venvs (default python3) */
  basePython?: string;
  /** interpreters already on the machine for each side (nothing is downloaded) */
  pythonCurrent?: string;
  pythonTarget?: string;
  /** a pip constraints file used by both sides' installs */
  constraint?: string;
  loadTasks?: number;
  loadConcurrency?: number;
  /** 'simple' prints stage lines to stderr, 'default' draws the live list (TTY), 'silent' nothing */
  renderer?: 'default' | 'simple' | 'silent';
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const TITLES: Record<StageId, string> = {
  static: 'static — audit for the version under test',
  deps: 'deps — requirements resolve with that Celery',
  import: 'import — the app loads; tasks, settings and warnings compared',
  smoke: 'smoke — a real worker passes the smoke checks',
  load: 'load — the same short load on each side',
  tests: "tests — the project's own test suite",
  drills: 'drills — failure drills (broker restart, pool kill, visibility timeout, maxmemory, warm shutdown)',
};
const STAGES: Record<StageId, (ctx: VerifyContext) => Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>>> = {
  static: staticStage, deps: depsStage, import: importStage, smoke: smokeStage, load: loadStage, tests: testsStage, drills: drillsStage,
};
/** the stage whose failure makes this one pointless */
const NEEDS: Partial<Record<StageId, StageId[]>> = { import: ['deps'], smoke: ['deps', 'import'], load: ['deps', 'import'], tests: ['deps', 'import'], drills: ['deps', 'import'] };

export async function runVerify(opts: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const root = path.resolve(opts.root);
  const config = await loadConfig(root);
  const model = await buildProjectModel(root, { exclude: config.exclude ?? [] });
  // a monorepo's worker services are rehearsed one by one, each from its own requirement files
  const all = workerServices(model);
  const wanted = opts.app ?? config.app;
  const services = wanted ? all.filter((s) => s.app === wanted || s.app.split(':')[0] === wanted.split(':')[0]) : all;
  if (services.length === 0) return verifyScope(opts, root, config, model, undefined, started);
  const results: ServiceVerifyResult[] = [];
  for (const svc of services) {
    const r = await verifyScope({ ...opts, app: wanted ?? svc.app }, root, config, modelForService(model, svc), svc, performance.now());
    results.push({ ...r, service: { folder: svc.folder || '.', files: svc.files, app: svc.app } });
    if (r.interrupted) break;
  }
  if (results.length === 1) return results[0]!;
  const interrupted = results.some((r) => r.interrupted);
  const ok = !interrupted && results.every((r) => r.ok);
  const first = results[0]!;
  return {
    root, app: null, current: first.current, target: first.target, rehearsal: results.some((r) => r.rehearsal), python: first.python,
    stages: [], comparison: [], services: results, ok,
    exitCode: interrupted ? 130 : ok ? 0 : results.find((r) => r.exitCode !== 0)?.exitCode ?? 1, interrupted, durationMs: Math.round(performance.now() - started),
  };
}

/** One verification: the whole project, or one worker service of a monorepo (`service`, with the model scoped to it). */
async function verifyScope(opts: VerifyOptions, root: string, config: JobctlConfig, model: ProjectModel, service: WorkerService | undefined, started: number): Promise<VerifyResult> {
  const env = opts.env ?? process.env;
  const knowledge = loadKnowledge();
  const known = knowledge.releases.map((r) => r.version);

  const detected = detectPackageVersion(model, 'celery', known);
  const where = service ? ` (service ${service.folder || '.'})` : '';
  const currentVersion = opts.from ? knowledge.releaseFor(opts.from)?.version ?? null : detected?.version ?? null;
  if (opts.from && !currentVersion) throw new JobctlError(`--from ${opts.from}: not a Celery release jobctl knows (5.0.0 – ${known.at(-1)}); give one like 5.3.4`);
  if (!currentVersion) throw new JobctlError(`${root}${where}: no Celery version found in requirements, pyproject or lock files; pin celery there or pass --from 5.x.y`);
  let target: string | null = null;
  if (opts.to) {
    const r = knowledge.releaseFor(opts.to);
    if (!r) throw new JobctlError(`--to ${opts.to}: not a Celery release or line jobctl knows; use e.g. 5.6.2, 5.6 or latest`);
    target = r.version;
  }
  const sides: Side[] = [{ role: 'current', celery: currentVersion }, ...(target && target !== currentVersion ? [{ role: 'target' as const, celery: target }] : [])];

  let app: string | null = null;
  let appProblem: string | null = null;
  try {
    app = await resolveAppSpec(root, opts.app, config, model);
  } catch (err) {
    appProblem = (err as Error).message;
  }

  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const ctx: VerifyContext = {
    root, model, config, app, appDir: app ? await resolveAppDir(root, app, model) : root, basePython: opts.basePython ?? env.JOBCTL_BASE_PYTHON ?? 'python3', sides, signal: controller.signal, env,
    log: (line) => { if (opts.renderer !== 'silent') process.stderr.write(`  ${line}\n`); },
    load: { tasks: opts.loadTasks ?? 300, concurrency: opts.loadConcurrency ?? 20 },
    venvs: new Map(), facts: new Map(), hasTests: detectPytest(root, model), harnessRedis: !usesRedisBroker(model, knowledge),
    workspaces: new Map(), disposers: [], ...(service ? { scope: (m: ProjectModel) => modelForService(m, service) } : {}),
    ...(opts.constraint ? { constraint: checkedFile(opts.constraint, '--constraint') } : {}),
    pythonFor: (side) => (side.role === 'target' ? opts.pythonTarget : opts.pythonCurrent) ?? opts.basePython ?? env.JOBCTL_BASE_PYTHON ?? 'python3',
  };

  const selected = opts.stages ?? DEFAULT_STAGES;
  for (const s of selected) if (!ALL_STAGES.includes(s)) throw new JobctlError(`--stages: unknown stage '${s}'; use ${ALL_STAGES.join(',')}`);
  const results: StageResult[] = [];
  const tasks = ALL_STAGES.filter((s) => selected.includes(s)).map((id) => ({
    title: TITLES[id],
    task: async (_: unknown, task: { title: string; skip: (m?: string) => void }): Promise<void> => {
      const t0 = performance.now();
      const blockers = (NEEDS[id] ?? []).map((n) => results.find((r) => r.id === n)).filter((r): r is StageResult => r?.status === 'fail');
      // a side whose earlier stage failed is left out; the other side still runs (a rehearsal whose
      // current side cannot even install still shows whether the plan's target works)
      const brokenRoles = new Set(blockers.flatMap((r) => ctx.sides.filter((s) => r[s.role]?.status === 'fail' || (!r.current && !r.target)).map((s) => s.role)));
      const remaining = ctx.sides.filter((s) => !brokenRoles.has(s.role));
      const blocker = remaining.length === 0 ? blockers[0] : undefined;
      let body: Omit<StageResult, 'id' | 'title' | 'durationMs'>;
      if (controller.signal.aborted) body = { status: 'skip', reason: 'interrupted', evidence: [] };
      else if (blocker) {
        const where = ctx.sides.map((s) => { const b = blockers.find((r) => r[s.role]?.status === 'fail') ?? blocker; return ctx.sides.length > 1 ? `${b.id} failed on the ${s.role} side` : `${b.id} failed`; });
        body = { status: 'skip', reason: `skipped: ${[...new Set(where)].join(', ')}`, evidence: [] };
      }
      else if (!app && (id === 'import' || id === 'smoke')) body = { status: 'skip', reason: appProblem ?? 'no Celery app found', evidence: [] };
      else {
        try {
          body = await STAGES[id](remaining.length < ctx.sides.length ? { ...ctx, sides: remaining } : ctx);
          if (remaining.length < ctx.sides.length) body = { ...body, evidence: [...body.evidence, `${[...brokenRoles].join(', ')} side left out: ${blockers.map((b) => b.id).join(', ')} failed there`] };
        } catch (err) {
          body = controller.signal.aborted ? { status: 'skip', reason: 'interrupted', evidence: [] } : { status: 'fail', reason: (err as Error).message.split('\n')[0]!, evidence: [] };
        }
      }
      results.push({ id, title: TITLES[id], durationMs: Math.round(performance.now() - t0), ...body });
      if (body.status === 'skip') task.skip(`${TITLES[id]}: ${body.reason ?? 'skipped'}`);
      else if (body.status === 'fail') throw new Error(`${TITLES[id]}: ${body.reason ?? 'failed'}`);
    },
  }));
  const renderer = opts.renderer ?? 'simple';
  const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
  const list = renderer === 'silent'
    ? new Listr(tasks, { renderer: 'silent', exitOnError: false, registerSignalListeners: false })
    : renderer === 'default'
      ? new Listr(tasks, { renderer: 'default', rendererOptions: { logger }, exitOnError: false, registerSignalListeners: false })
      : new Listr(tasks, { renderer: 'simple', rendererOptions: { logger }, exitOnError: false, registerSignalListeners: false });
  try {
    await list.run();
  } catch { /* every stage records its own outcome */ } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    for (const d of ctx.disposers) d();
  }

  const interrupted = controller.signal.aborted;
  const ran = results.filter((r) => r.status !== 'skip');
  const ok = !interrupted && results.every((r) => r.status !== 'fail') && ran.length > 0;
  return {
    root, app, current: { version: currentVersion, source: opts.from ? '--from' : detected?.source ?? null }, target, rehearsal: sides.length > 1,
    python: ctx.basePython, stages: results, comparison: compare(results), summary: summarizeSides(sides, results, ownModuleNames(model.files.filter((f) => f.kind === 'python').map((f) => f.file))), ok,
    exitCode: interrupted ? 130 : ok ? 0 : 1, interrupted, durationMs: Math.round(performance.now() - started),
  };
}

function checkedFile(file: string, flag: string): string {
  const abs = path.resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new JobctlError(`${flag} ${file}: no such file; pass a pip constraints file (name==version per line)`, { file });
  return abs;
}

/** numbers both sides reported, for the side-by-side table */
function compare(results: StageResult[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const worseWhenHigher = new Set(['e2e_p95_ms', 'rss_growth_pct', 'lost', 'warnings', 'worker_warnings', 'checks_failed', 'drills_failed']);
  for (const r of results) {
    if (!r.current || !r.target) continue;
    const keys = new Set([...Object.keys(r.current.figures), ...Object.keys(r.target.figures)]);
    for (const k of keys) {
      const a = r.current.figures[k] ?? null;
      const b = r.target.figures[k] ?? null;
      const delta = typeof a === 'number' && typeof b === 'number' ? Number((b - a).toFixed(2)) : null;
      let verdict: ComparisonRow['verdict'] = 'info';
      // differences within 10 % of the current figure are noise on a shared machine, not a verdict
      const noise = typeof a === 'number' && delta !== null && Math.abs(delta) <= Math.abs(a) * 0.1 && !['lost', 'checks_failed', 'tasks', 'warnings'].includes(k);
      if (delta !== null) verdict = delta === 0 || noise ? 'ok' : worseWhenHigher.has(k) ? (delta > 0 ? 'worse' : 'better') : k === 'throughput_per_s' || k === 'checks_passed' || k === 'tasks' ? (delta < 0 ? 'worse' : 'better') : 'changed';
      else if (a !== b) verdict = 'changed';
      rows.push({ stage: r.id, metric: k, current: a, target: b, delta, verdict });
    }
  }
  return rows;
}
