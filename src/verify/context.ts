// What every verify stage gets: the project model, the sides to run (the project's own Celery,
// and the target when rehearsing), a cache of the venvs built for each side, and the abort signal.
import type { ProjectModel } from '../model/types.js';
import type { JobctlConfig } from '../engine/config.js';
import { ensureVenv, type Venv } from './cache.js';
import { requirementsFor } from './requirements.js';

export interface Side {
  role: 'current' | 'target';
  celery: string;
}

export interface VerifyContext {
  root: string;
  model: ProjectModel;
  config: JobctlConfig;
  app: string | null;
  /** folder the app's module imports from (cwd and PYTHONPATH of everything that loads it) */
  appDir: string;
  basePython: string;
  sides: Side[];
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  load: { tasks: number; concurrency: number };
  /** venvs by side role, built on first use by the import stage or later ones */
  venvs: Map<string, Promise<Venv>>;
  /** facts a stage leaves for later ones (e.g. the tasks the import stage saw) */
  facts: Map<string, unknown>;
  hasTests: boolean;
  /** the project's broker is not Redis: the venv needs kombu[redis] for jobctl's own broker */
  harnessRedis: boolean;
}

/** The side's venv (project requirements with that Celery), built once and cached across runs. */
export function venvFor(ctx: VerifyContext, side: Side): Promise<Venv> {
  const key = `${side.role}:${side.celery}`;
  let v = ctx.venvs.get(key);
  if (!v) {
    const reqs = requirementsFor(ctx.model, side.celery, { withPytest: ctx.hasTests, harnessRedis: ctx.harnessRedis });
    v = ensureVenv({ label: `celery-${side.celery}`, requirements: reqs.lines, basePython: ctx.basePython }, { signal: ctx.signal, env: ctx.env, log: ctx.log });
    ctx.venvs.set(key, v);
    v.catch(() => ctx.venvs.delete(key));
  }
  return v;
}
