// What Celery (and Python) the project is on, and where that fact came from.
import { satisfies, maxSatisfying } from '@renovatebot/pep440';
import type { Dependency, ProjectModel } from '../model/types.js';

export interface DetectedVersion {
  version: string;
  source: string; // 'requirements.txt:3'
  dependency: Dependency;
}

/** Lock files win over manifests; an exact pin wins over a range (resolved against known releases). */
export function detectPackageVersion(model: ProjectModel, name: string, knownVersions: string[] = []): DetectedVersion | null {
  const deps = model.dependencies.filter((d) => d.name === name);
  const ordered = [...deps.filter((d) => d.isLock && d.version), ...deps.filter((d) => !d.isLock && d.version)];
  const best = ordered[0];
  if (best?.version) return { version: best.version, source: `${best.file}:${best.loc.line}`, dependency: best };
  // a range: the newest known release it allows is what a fresh install would get
  for (const d of deps) {
    // Poetry's `^4.4` / `~4.4` are kept as written in `specifier`; `pep440` is their PEP 440 form
    const spec = d.pep440 ?? d.specifier;
    if (!spec) continue;
    try {
      const v = maxSatisfying(knownVersions, spec);
      if (v) return { version: v, source: `${d.file}:${d.loc.line} (newest release allowed by ${d.specifier})`, dependency: d };
    } catch { /* unparsable specifier: the versions rule reports it */ }
  }
  return null;
}

export function pep440Satisfies(version: string, specifier: string): boolean | null {
  try {
    return satisfies(version, specifier);
  } catch {
    return null;
  }
}
