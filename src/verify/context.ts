// What every verify stage gets: the project model, the sides to run (the project's own Celery,
// and the target when rehearsing), a cache of the venvs built for each side, and the abort signal.
import type { ProjectModel } from '../model/types.js';
import type { JobctlConfig } from '../engine/config.js';
import { imageSetup } from './image-setup.js';
import { ensureVenv, type Venv } from './cache.js';
import { workspaceFor, type SideWorkspace } from './workspace.js';

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
  /** the project's broker is not Redis: jobctl's harness adds redis-py after the project's own install */
  harnessRedis: boolean;
  /** per-side workspaces (the project as is; the patched copy for the target) */
  workspaces: Map<string, Promise<SideWorkspace>>;
  /** cleanup of temp copies, run when verify ends */
  disposers: (() => void)[];
  /** --constraint FILE: passed to pip for both sides, like `pip install -c` */
  constraint?: string;
  /** a monorepo's worker service: narrows a model (the patched copy's too) to that service's files and app */
  scope?: (model: ProjectModel) => ProjectModel;
  /** --python-current / --python-target: the interpreter each side's venv is made from */
  pythonFor: (side: Side) => string;
}

/**
 * The side's venv: the side's requirement lines installed exactly as `pip install -r` would (no
 * extras injected; --constraint passed through), then, separately, what jobctl's harness needs
 * (redis-py when the project's broker is not Redis, pytest for the tests stage). Built once, cached.
 */
export function venvFor(ctx: VerifyContext, side: Side): Promise<Venv> {
  const key = `${side.role}:${side.celery}`;
  let v = ctx.venvs.get(key);
  if (!v) {
    const harness = [...(ctx.harnessRedis ? ['redis'] : []), ...(ctx.hasTests ? ['pytest'] : [])];
    v = workspaceFor(ctx, side).then((ws) => {
      // the image's setuptools step (Dockerfile `pip install --upgrade setuptools`) before the requirements
      const setup = imageSetup(ws.model, [...new Set(ws.requirements.flatMap((r) => (r.source ? [r.source.file] : [])))]);
      return ensureVenv({
        label: `celery-${side.celery}`, requirements: ws.lines, basePython: ctx.pythonFor(side),
        ...(harness.length ? { harness } : {}), ...(ctx.constraint ? { constraint: ctx.constraint } : {}),
        ...(setup ? { setup: setup.args, setupFrom: `${setup.from} (\`${setup.command}\`)` } : {}),
      }, { signal: ctx.signal, env: ctx.env, log: ctx.log });
    });
    ctx.venvs.set(key, v);
    v.catch(() => ctx.venvs.delete(key));
  }
  return v;
}
