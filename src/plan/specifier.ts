// A requirement range moved to a new version in the shape the project wrote it: `kombu~=5.2.4` becomes
// `kombu~=5.6.2` (not `==5.6.2`), `celery>=5.2,<5.3` becomes `celery>=5.6.3,<5.7`, `celery<5.0` becomes
// `celery<6.0`. A library's setup.py/setup.cfg keeps the compatible-release form its authors chose; the
// new range always admits the version the plan was checked with (or no rewrite is offered).
import { safeSatisfies } from '../rules/lib/versions.js';

const CLAUSE = /^\s*(===|==|~=|!=|>=|<=|>|<)\s*([0-9][0-9A-Za-z.*+!-]*)\s*$/;

function parts(v: string): number[] {
  return v.replace(/^\d+!/, '').split(/[.+-]/).map((x) => Number.parseInt(x, 10)).filter((x) => Number.isFinite(x));
}

/** `version` written with `n` release components (5.6.3 at 2 -> 5.6; at 4 -> 5.6.3.0). */
function withComponents(version: string, n: number): string {
  const p = parts(version);
  while (p.length < n) p.push(0);
  return p.slice(0, Math.max(1, n)).join('.');
}

/**
 * An upper bound moved past `version` at the level the old bound capped: `<5.0` caps the major (-> `<6.0`),
 * `<5.3` the minor (-> `<5.7` for 5.6.3), `<5.2.5` the patch. The number of components is kept.
 */
function upperFor(old: string, version: string): string {
  const o = parts(old);
  let level = o.length - 1;
  while (level > 0 && o[level] === 0) level--;
  const v = parts(version);
  while (v.length <= level) v.push(0);
  const out = v.slice(0, level + 1);
  out[level] = out[level]! + 1;
  while (out.length < o.length) out.push(0);
  return out.join('.');
}

/**
 * The specifier `spec` (which does not admit `version`) rewritten so that it does, keeping its operators and
 * raising its lower bounds to `version`; null when a clause
 * cannot be carried over (`===`, wildcards on a lower bound, a shape the result would not admit).
 */
export function rewriteSpecifier(spec: string, version: string): string | null {
  const clauses = spec.split(',').map((c) => c.trim()).filter(Boolean);
  if (clauses.length === 0) return null;
  const out: string[] = [];
  for (const c of clauses) {
    const m = CLAUSE.exec(c);
    if (!m) return null;
    const [, op, v] = m as unknown as [string, string, string];
    if (op === '===') return null;
    if (v.includes('*')) {
      if (op !== '==' && op !== '!=') return null;
      if (op === '!=') {
        if (safeSatisfies(version, c) === false) continue;
        out.push(c);
        continue;
      }
      out.push(`==${withComponents(version, parts(v).length)}.*`);
      continue;
    }
    // a lower bound below the new version is raised to it: `>=4.4,<5` -> `>=5.2.6,<6`, never `>=4.4,<6`, which an
    // environment still on 4.4 satisfies (pip would not upgrade it)
    if ((op === '>=' || op === '>') && safeSatisfies(version, c) === true) {
      out.push(`>=${version}`);
      continue;
    }
    if (safeSatisfies(version, c) === true) {
      out.push(`${op}${v}`);
      continue;
    }
    switch (op) {
      case '==':
        out.push(`==${version}`);
        break;
      case '~=':
        out.push(`~=${withComponents(version, Math.max(2, parts(v).length))}`);
        break;
      case '>=':
      case '>':
        out.push(`>=${version}`);
        break;
      case '<':
        out.push(`<${upperFor(v, version)}`);
        break;
      case '<=':
        out.push(`<=${version}`);
        break;
      case '!=':
        // the excluded release is the one the plan moves to: the exclusion goes
        break;
      default:
        return null;
    }
  }
  const result = out.join(',');
  return result && safeSatisfies(version, result) === true ? result : null;
}
