// The target side's requirement set for a rehearsal, as the plan writes it: the plan's automatic
// edits are already in the patched copy; the pins the plan asks to change by hand ("write
// `billiard>=4.3.2`") are changed the same way here; every other pin stays exactly as written. A
// full `pip freeze` file also pins libraries the plan's matrix does not cover (kombu's tzdata, …):
// when pip says such a pin blocks the target ("kombu 5.7.0 depends on tzdata>=2025.2" against "The
// user requested tzdata==2023.3"), that one pin — and only it — moves to what pip says is needed.
// Each change is named in the evidence, so the user sees which pins the upgrade really moves.
import type { DependencyRow } from '../plan/types.js';
import type { Fix, Requirement, Resolution } from '../deps/types.js';
import { normalizeName, parseRequirement } from '../deps/pep508.js';

export interface TargetPinChange {
  name: string;
  from: string;
  to: string;
  /** 'plan' (a change the plan asks for by hand) or the pip line that made it move */
  why: string;
}

/** The plan's hand edits of pins (rows it could not rewrite in place) applied to the target's requirements. */
export function applyPlanPinRows(reqs: Requirement[], rows: DependencyRow[]): { reqs: Requirement[]; changes: TargetPinChange[] } {
  const changes: TargetPinChange[] = [];
  const out = reqs.map((r) => {
    if (r.name === 'celery' || !r.where) return r;
    const row = rows.find((x) => x.where === r.where && normalizeName(x.name) === normalizeName(r.name) && !x.isLock && (x.status === 'conflict' || x.status === 'bump'));
    if (!row?.targetNeeds || row.currentSpecifier === null) return r;
    // the plan's in-place edit already ran (kombu==5.3.4 -> 5.7.0): the copy's line no longer reads as before
    if (r.specifier !== row.currentSpecifier && !(row.currentSpecifier && r.specifier === `==${row.currentSpecifier.replace(/^==/, '')}`)) return r;
    const spec = specOfLine(row.suggestedLine, row.name) ?? row.targetNeeds;
    changes.push({ name: r.name, from: r.specifier || '(unpinned)', to: spec, why: `plan: ${row.via ?? 'what the target needs'}` });
    return { ...r, specifier: spec };
  });
  return { reqs: out, changes };
}

function specOfLine(line: string | null, name: string): string | null {
  if (!line) return null;
  const m = new RegExp(`^\\s*${name.replace(/[-_.]/g, '[-_.]')}\\s*(\\[[^\\]]*\\])?\\s*([<>=!~][^;#]*)`, 'i').exec(line);
  return m ? m[2]!.replace(/\s+/g, '') : null;
}

/** From pip's conflict lines: a pin of the user's that another package's requirement excludes. */
export function blockedPin(conflict: string[], reqs: Requirement[]): { name: string; need: string; line: string } | null {
  const requested = new Map<string, string>();
  for (const l of conflict) {
    const m = /The user requested ([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*([<>=!~][^\s;]*)/.exec(l);
    if (m) requested.set(normalizeName(m[1]!), m[2]!);
  }
  for (const l of conflict) {
    const m = /^([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])? (\S+) depends on ([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*([^;]*)/.exec(l);
    if (!m) continue;
    const name = normalizeName(m[3]!);
    // Celery is the version under test, never relaxed; a pin the plan already moved is not the user's
    if (name === 'celery' || !requested.has(name)) continue;
    const mine = reqs.find((r) => normalizeName(r.name) === name);
    if (!mine || !/^==/.test(mine.specifier)) continue;
    const need = m[4]!.trim().replace(/\s+and\s+/g, ',').replace(/\s+/g, '');
    if (!need) continue;
    return { name, need, line: l };
  }
  return null;
}

/**
 * Move, one at a time, the exact pins pip says block the target, until the set resolves (at most
 * `rounds` times). `resolve` is the one resolver in pip mode.
 */
export async function settleTargetPins(reqs: Requirement[], resolve: (reqs: Requirement[]) => Promise<Resolution>, rounds = 8): Promise<{ reqs: Requirement[]; changes: TargetPinChange[] }> {
  let cur = reqs;
  const changes: TargetPinChange[] = [];
  for (let i = 0; i < rounds; i++) {
    const res = await resolve(cur);
    if (res.ok) break;
    const blocked = blockedPin(res.conflict, cur);
    if (!blocked || changes.some((c) => normalizeName(c.name) === blocked.name)) break;
    cur = cur.map((r) => {
      if (normalizeName(r.name) !== blocked.name) return r;
      changes.push({ name: r.name, from: r.specifier, to: blocked.need, why: `pip: ${blocked.line}` });
      return { ...r, specifier: blocked.need };
    });
  }
  return { reqs: cur, changes };
}

/**
 * A set that installs but whose worker would not start (kombu 5.7's Redis transport importing
 * `packaging`, which only kombu[redis] installs): the resolver's fix, checked to resolve and run,
 * is applied to the target's lines and named as an edit the plan does not make.
 */
export function applyCheckedFix(reqs: Requirement[], fix: Fix | null): { reqs: Requirement[]; changes: TargetPinChange[] } {
  if (!fix) return { reqs, changes: [] };
  const changes: TargetPinChange[] = [];
  let out = [...reqs];
  for (const e of fix.edits) {
    const parsed = parseRequirement(e.pep508);
    if (!parsed) continue;
    const at = e.action === 'replace' ? out.findIndex((r) => r.where === e.where || (normalizeName(r.name) === parsed.name && !e.where)) : -1;
    const before = at >= 0 ? out[at]! : undefined;
    const next: Requirement = { ...(before ?? {}), name: before?.name ?? parsed.name, extras: parsed.extras, specifier: parsed.specifier, marker: parsed.marker };
    if (at >= 0) out[at] = next; else out = [...out, next];
    const shown = (r: Requirement | undefined): string => (r ? `${r.extras.length ? `[${r.extras.join(',')}]` : ''}${r.specifier}` : '(not listed)');
    changes.push({ name: parsed.name, from: shown(before), to: shown(next), why: `resolver fix the plan does not make: ${fix.summary}` });
  }
  return { reqs: out, changes };
}
