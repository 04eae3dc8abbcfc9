// Version helpers for rules (PEP 440 through @renovatebot/pep440).
import { compare, satisfies, valid } from '@renovatebot/pep440';
import type { PythonVersionFact } from '../../model/types.js';

export function compareVersions(a: string, b: string): number {
  try {
    return compare(a, b);
  } catch {
    return a.localeCompare(b, undefined, { numeric: true });
  }
}

export function safeSatisfies(version: string, spec: string): boolean | null {
  try {
    if (!valid(version)) return null;
    return satisfies(version, spec);
  } catch {
    return null;
  }
}

/** Python minors (3.x) a fact allows, out of 3.6 … 3.16. */
export function pythonMinorsAllowed(f: PythonVersionFact): string[] {
  const minors: string[] = [];
  for (let m = 6; m <= 16; m++) {
    const mm = `3.${m}`;
    if (f.exact) {
      if (f.value === mm || f.value.startsWith(`${mm}.`)) minors.push(mm);
      continue;
    }
    if (safeSatisfies(`${mm}.0`, f.value) || safeSatisfies(`${mm}.99`, f.value)) minors.push(mm);
  }
  return minors;
}

/** The lowest Python minor a project may run on, by its facts (null when unknown). */
export function lowestPython(facts: PythonVersionFact[]): { minor: string; fact: PythonVersionFact } | null {
  let best: { minor: string; fact: PythonVersionFact } | null = null;
  for (const f of facts) {
    const m = pythonMinorsAllowed(f)[0];
    if (m && (!best || compareVersions(m, best.minor) < 0)) best = { minor: m, fact: f };
  }
  return best;
}

export function highestPython(facts: PythonVersionFact[]): { minor: string; fact: PythonVersionFact } | null {
  let best: { minor: string; fact: PythonVersionFact } | null = null;
  for (const f of facts.filter((x) => x.exact)) {
    const m = pythonMinorsAllowed(f)[0];
    if (m && (!best || compareVersions(m, best.minor) > 0)) best = { minor: m, fact: f };
  }
  return best;
}
