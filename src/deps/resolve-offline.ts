// The offline resolver: pip's answer for the Celery family (celery, kombu, redis-py, billiard, vine,
// click, amqp, packaging) from the generated wheel metadata alone -- no pip, no network, no Python.
// Like pip (resolvelib) it takes the newest candidate that fits every constraint met so far and
// backtracks when a later constraint fails. celery and kombu are followed (their Requires-Dist, with
// extras and markers); the other known libraries are leaves (picked from their release lists); a
// library outside the data is left out of the answer (never a conflict).
import { compare, satisfies, validRange } from '@renovatebot/pep440';
import type { LoadedKnowledge } from '../knowledge/index.js';
import { evaluateMarker, linuxCPython, normalizeName, parseRequirement, type MarkerEnv } from './pep508.js';
import type { DependencyData, Requirement, Resolution } from './types.js';

interface Candidate {
  version: string;
  requiresPython: string | null;
  yanked?: boolean;
  requiresDist?: string[];
}

interface Constraint {
  spec: string;
  from: string;
  /** set when the constraint is a line of the project */
  where?: string;
}

interface State {
  chosen: Map<string, string>;
  cons: Map<string, Constraint[]>;
  extras: Map<string, Set<string>>;
}

interface Failure {
  name: string;
  constraints: Constraint[];
  /** candidates that fit the constraints but that current pip refuses to install, and why */
  rejected?: string[];
}

const invalid = new WeakMap<Candidate, string | null>();

/**
 * A Requires-Dist line current pip refuses (pip >= 24.1 dropped legacy specifiers: celery 5.0.0-5.2.0
 * declare `pytz (>dev)`, and pip answers "Ignoring version ... since it has invalid metadata").
 */
function invalidMetadata(c: Candidate): string | null {
  if (invalid.has(c)) return invalid.get(c)!;
  let bad: string | null = null;
  for (const line of c.requiresDist ?? []) {
    const r = parseRequirement(line);
    if (!r || (r.specifier && !validRange(r.specifier))) {
      bad = line;
      break;
    }
  }
  invalid.set(c, bad);
  return bad;
}

/** celery and kombu have dependencies the resolver follows, in this order */
const FOLLOWED = ['celery', 'kombu'];

function fits(version: string, spec: string): boolean {
  if (!spec) return true;
  try {
    return satisfies(version, spec);
  } catch {
    return true; // a specifier pep440 cannot read: not ours to reject
  }
}

function pythonOk(c: Candidate, python: string): boolean {
  return !c.requiresPython || fits(python, c.requiresPython);
}

function candidatesOf(name: string, k: LoadedKnowledge, data: DependencyData): Candidate[] | null {
  if (name === 'celery') return k.releases;
  if (name === 'kombu') return k.kombuReleases;
  return data.packages[name] ?? null;
}

function clone(s: State): State {
  return { chosen: new Map(s.chosen), cons: new Map([...s.cons].map(([n, c]) => [n, [...c]])), extras: new Map([...s.extras].map(([n, e]) => [n, new Set(e)])) };
}

function addConstraint(s: State, name: string, spec: string, from: string, extras: string[], where?: string): void {
  const list = s.cons.get(name) ?? [];
  list.push({ spec, from, ...(where ? { where } : {}) });
  s.cons.set(name, list);
  if (extras.length) {
    const set = s.extras.get(name) ?? new Set<string>();
    for (const e of extras) set.add(e);
    s.extras.set(name, set);
  }
}

/** A yanked release is considered only when pinned exactly (PEP 592, as pip does). */
function allowed(c: Candidate, cons: Constraint[], python: string): boolean {
  if (!pythonOk(c, python)) return false;
  if (c.yanked && !cons.some((x) => /^===?\s*/.test(x.spec) && fits(c.version, x.spec) && !x.spec.includes(','))) return false;
  return cons.every((x) => fits(c.version, x.spec));
}

/** Adds the Requires-Dist of `name==version` (base + requested extras) to the state; false when an already chosen version breaks. */
function addDependencies(s: State, name: string, c: Candidate, env: MarkerEnv, k: LoadedKnowledge, data: DependencyData): boolean {
  const requested = [...(s.extras.get(name) ?? [])];
  for (const line of c.requiresDist ?? []) {
    const r = parseRequirement(line);
    if (!r) continue;
    const applies = r.marker === null ? true : [undefined, ...requested].some((extra) => evaluateMarker(r.marker, { ...env, extra: extra ?? '' }));
    if (!applies) continue;
    const via = `${name}${requested.length && /extra\s*==/.test(r.marker ?? '') ? `[${requested.join(',')}]` : ''} ${c.version}`;
    addConstraint(s, r.name, r.specifier, via, r.extras);
    const chosen = s.chosen.get(r.name);
    if (chosen !== undefined && !fits(chosen, r.specifier)) return false;
    if (chosen !== undefined && r.extras.length && candidatesOf(r.name, k, data) && FOLLOWED.includes(r.name)) {
      // an extra requested of an already chosen package: follow it now
      const cand = candidatesOf(r.name, k, data)!.find((x) => x.version === chosen);
      if (cand && !addDependencies(s, r.name, cand, env, k, data)) return false;
    }
  }
  return true;
}

function solve(s: State, env: MarkerEnv, k: LoadedKnowledge, data: DependencyData): { ok: State } | { fail: Failure } {
  const next = FOLLOWED.find((n) => !s.chosen.has(n) && s.cons.has(n));
  if (!next) {
    for (const [name, cons] of s.cons) {
      if (s.chosen.has(name)) continue;
      const cands = candidatesOf(name, k, data);
      if (!cands) continue;
      const best = [...cands].reverse().find((c) => allowed(c, cons, env.python_full_version));
      if (!best) return { fail: { name, constraints: cons } };
      s.chosen.set(name, best.version);
    }
    return { ok: s };
  }
  const cons = s.cons.get(next)!;
  let first: Failure | null = null;
  const rejected: string[] = [];
  for (const c of [...candidatesOf(next, k, data)!].reverse()) {
    if (!allowed(c, cons, env.python_full_version)) continue;
    const bad = invalidMetadata(c);
    if (bad) {
      rejected.push(`${next} ${c.version}: pip >= 24.1 ignores it ("invalid metadata": Requires-Dist \`${bad}\` is not a valid PEP 508 requirement)`);
      continue;
    }
    const t = clone(s);
    t.chosen.set(next, c.version);
    if (!addDependencies(t, next, c, env, k, data)) {
      first ??= conflictAt(t);
      continue;
    }
    const r = solve(t, env, k, data);
    if ('ok' in r) return r;
    first ??= r.fail;
  }
  return { fail: first ?? { name: next, constraints: cons, ...(rejected.length ? { rejected } : {}) } };
}

/** the first chosen package a constraint of the state excludes */
function conflictAt(s: State): Failure {
  for (const [name, v] of s.chosen) {
    const cons = s.cons.get(name) ?? [];
    if (cons.some((x) => !fits(v, x.spec))) return { name, constraints: cons };
  }
  return { name: '?', constraints: [] };
}

/**
 * Resolves the requirements for CPython `python` on Linux. The answer lists the version picked for
 * every library the data knows (celery, kombu and the release lists in dependencies.json).
 */
export function resolveOffline(reqs: Requirement[], python: string, k: LoadedKnowledge, data: DependencyData): Resolution {
  const env = linuxCPython(python);
  const s: State = { chosen: new Map(), cons: new Map(), extras: new Map() };
  for (const r of reqs) {
    if (!evaluateMarker(r.marker ?? null, env)) continue;
    addConstraint(s, normalizeName(r.name), r.specifier, r.where ?? 'the project', r.extras.map(normalizeName), r.where ?? 'the project');
  }
  const out = solve(s, env, k, data);
  if ('fail' in out) {
    const f = out.fail;
    return { ok: false, mode: 'offline', python, conflict: [`no ${f.name} release fits every requirement:`, ...f.constraints.map((c) => `${c.from} requires ${f.name}${c.spec || ' (any version)'}`), ...(f.rejected ?? [])], failure: f };
  }
  const versions: Record<string, string> = {};
  for (const [n, v] of [...out.ok.chosen].sort(([a], [b]) => a.localeCompare(b))) versions[n] = v;
  const extras: Record<string, string[]> = {};
  for (const [n, e] of out.ok.extras) if (out.ok.chosen.has(n)) extras[n] = [...e].sort();
  return { ok: true, mode: 'offline', python, versions, extras, complete: reqs.every((r) => candidatesOf(normalizeName(r.name), k, data) !== null) };
}

export function newestFirst(versions: string[]): string[] {
  return [...versions].sort((a, b) => compare(b, a));
}
