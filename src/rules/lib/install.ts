// The rules' door to the one dependency resolver (src/deps): the project's production requirements,
// the Python a fresh install runs on, and the offline install check, computed once per audit.
import type { ProjectModel } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import type { LoadedKnowledge } from '../../knowledge/index.js';
import { checkInstall, requirementsOf, type InstallCheck } from '../../deps/index.js';
import { usesRedisBroker } from './broker.js';
import { highestPython, lowestPython, pythonMinorsAllowed } from './versions.js';

/** kombu 5.7 needs >= 3.10: with no Python known, a fresh install today runs on a current CPython */
export const ASSUMED_PYTHON = '3.12';

export interface ProjectPython {
  python: string;
  /** false when the project does not say (ASSUMED_PYTHON, or the newest its requires-python allows) */
  known: boolean;
}

export function projectPython(model: ProjectModel): ProjectPython {
  const exact = highestPython(model.pythonVersions);
  if (exact) return { python: exact.minor, known: true };
  // a range: the newest minor every fact allows, capped at ASSUMED_PYTHON
  const allowed = model.pythonVersions.map((f) => new Set(pythonMinorsAllowed(f)));
  if (allowed.length > 0) {
    for (let m = 12; m >= 6; m--) if (allowed.every((s) => s.has(`3.${m}`))) return { python: `3.${m}`, known: false };
    const low = lowestPython(model.pythonVersions);
    if (low) return { python: low.minor, known: false };
  }
  return { python: ASSUMED_PYTHON, known: false };
}

const cache = new WeakMap<ProjectModel, Map<string, InstallCheck>>();

/** The offline install check of the project's requirements (`celery` replaces the Celery pin). */
export function installCheck(model: ProjectModel, k: Knowledge, opts: { celery?: string; installed?: boolean } = {}): InstallCheck {
  const key = `${opts.celery ?? ''}|${opts.installed ? 1 : 0}`;
  let m = cache.get(model);
  if (!m) cache.set(model, (m = new Map()));
  const hit = m.get(key);
  if (hit) return hit;
  const reqs = requirementsOf(model, opts);
  const check = checkInstall(reqs, { python: projectPython(model).python, usesRedis: usesRedisBroker(model, k) }, k as LoadedKnowledge);
  m.set(key, check);
  return check;
}
