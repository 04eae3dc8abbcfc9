// `jobctl init`, step 1: what can be known about the project without asking — the Celery app (the
// `-A` value), the Python environment, the current and target Celery versions, the worker commands of
// the deploy files, and the tasks with their signatures (for the smoke.tasks skeleton).
import path from 'node:path';
import { buildProjectModel } from '../model/index.js';
import type { ProjectModel, TaskDef } from '../model/types.js';
import { loadKnowledge } from '../knowledge/index.js';
import { detectPackageVersion } from '../engine/versions.js';
import { findPythonEnv } from '../runtime/python-env.js';

export interface Detected<T> {
  value: T;
  /** where it came from, for the comment next to it */
  source: string;
}

export interface InitFacts {
  root: string;
  /** candidates for `-A`, most likely first (the worker commands' value wins over a guess from the code) */
  apps: Detected<string>[];
  python: Detected<string> | null;
  /** the interpreter found has Celery installed */
  pythonHasCelery: string | null;
  current: Detected<string> | null;
  /** newest release line jobctl knows, e.g. '5.6' */
  newestLine: string;
  knownLines: string[];
  deployCommands: Detected<string>[];
  tasks: { name: string; params: string[]; where: string }[];
}

export async function detectInitFacts(rootArg: string): Promise<InitFacts> {
  const root = path.resolve(rootArg);
  const model = await buildProjectModel(root);
  const knowledge = loadKnowledge();
  const lines = [...new Set(knowledge.releases.map((r) => r.version.split('.').slice(0, 2).join('.')))];
  const current = detectPackageVersion(model, 'celery');
  const python = await findPythonEnv(root).catch(() => null);
  return {
    root,
    apps: appCandidates(model),
    // python3 from PATH is a guess, not a detection: it is asked in a terminal and left out otherwise
    python: python && python.source !== 'PATH' ? { value: relativeIfInside(root, python.python), source: python.source } : null,
    pythonHasCelery: python && python.source !== 'PATH' ? python.celeryVersion : null,
    current: current ? { value: current.version, source: current.source } : null,
    newestLine: knowledge.newestVersion.split('.').slice(0, 2).join('.'),
    knownLines: lines,
    deployCommands: model.workerCommands.filter((w) => w.subcommand === 'worker').map((w) => ({ value: w.raw.trim(), source: `${w.file}:${w.loc.line}` })),
    tasks: model.tasks.filter((t) => !t.file.split('/').some((p) => p === 'tests' || p === 'test')).map((t) => ({ name: t.name, params: taskParams(t), where: `${t.file}:${t.loc.line}` })),
  };
}

function appCandidates(model: ProjectModel): Detected<string>[] {
  const out = new Map<string, string>();
  for (const w of model.workerCommands) if (w.subcommand === 'worker' && w.app && !w.app.includes('$')) if (!out.has(w.app)) out.set(w.app, `${w.file}:${w.loc.line}`);
  for (const a of model.apps) {
    // `-A proj.celery` finds an attribute named app or celery; any other name must be spelled out
    const spec = a.variable === 'app' || a.variable === 'celery' ? a.module : `${a.module}:${a.variable}`;
    if (![...out.keys()].some((k) => k === spec || k === a.module || k.startsWith(`${a.module}:`))) out.set(spec, `${a.file}:${a.loc.line}`);
  }
  return [...out].map(([value, source]) => ({ value, source }));
}

/** The task's call signature as a caller sees it: no bound `self`, no *args/**kwargs. */
function taskParams(t: TaskDef): string[] {
  const bind = t.options.bind;
  const bound = t.decorator === 'class' || (bind?.kind === 'bool' && bind.value === true);
  const params = bound ? t.params.slice(1) : t.params;
  return params.filter((p) => !p.startsWith('*'));
}

function relativeIfInside(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
