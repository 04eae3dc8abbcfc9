// PEP 508 requirement strings (`celery[redis]>=5.3,<6 ; python_version >= "3.9"`) and Poetry
// constraints (`^5.3.0`), turned into Dependency fields. Specifiers are validated and read with
// @renovatebot/pep440 (a port of Python's `packaging`), not with regexes; only the name/extras/
// marker split, which PEP 508 defines by its grammar, is done here.
import { validRange } from '@renovatebot/pep440';
import { parse as parseSpecifier } from '@renovatebot/pep440/lib/specifier.js';
import { normalizeName } from './text.js';

export interface Requirement {
  name: string;
  rawName: string;
  extras: string[];
  specifier: string;
  version: string | null;
  marker?: string;
  /** `name @ https://…` or a VCS link: not a version at all */
  url?: string;
}

const NAME_RE = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*/;

export function parseRequirement(text: string): Requirement | null {
  const m = NAME_RE.exec(text);
  if (!m) return null;
  const rawName = m[1]!;
  const extras = m[2] ? m[2].slice(1, -1).split(',').map((e) => e.trim()).filter(Boolean) : [];
  let rest = text.slice(m[0].length);
  let marker: string | undefined;
  const semi = rest.indexOf(';');
  if (semi >= 0) {
    marker = rest.slice(semi + 1).trim();
    rest = rest.slice(0, semi);
  }
  rest = rest.trim();
  if (rest.startsWith('@')) {
    return { name: normalizeName(rawName), rawName, extras, specifier: '', version: null, url: rest.slice(1).trim(), ...(marker ? { marker } : {}) };
  }
  // PEP 508 allows the specifier in parentheses: `celery (>=5.3)`
  const specifier = rest.replace(/^\((.*)\)$/, '$1').replace(/\s+/g, '');
  if (specifier && !isValidSpecifier(specifier)) return null;
  return { name: normalizeName(rawName), rawName, extras, specifier, version: exactVersion(specifier), ...(marker ? { marker } : {}) };
}

export function isValidSpecifier(spec: string): boolean {
  try {
    return validRange(spec) === true;
  } catch {
    return false;
  }
}

/** The single version an `==X` / `===X` specifier pins (not `==5.3.*`), else null. */
export function exactVersion(spec: string): string | null {
  if (!spec) return null;
  let clauses;
  try {
    clauses = parseSpecifier(spec);
  } catch {
    return null;
  }
  if (!clauses || clauses.length !== 1) return null;
  const c = clauses[0]!;
  if ((c.operator === '==' || c.operator === '===') && !spec.includes('*')) return c.version;
  return null;
}

/**
 * A Poetry constraint as a PEP 440 specifier: `^1.2.3` → `>=1.2.3,<2.0.0`, `~1.2` → `>=1.2,<1.3`,
 * `1.2.3` → `==1.2.3`, `*` → ''. Returns null for what PEP 440 cannot say (`||` alternatives).
 */
export function poetryToPep440(constraint: string): string | null {
  const c = constraint.trim();
  if (c === '' || c === '*') return '';
  if (c.includes('||')) return null;
  const parts = c.split(',').map((p) => p.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    const caret = /^\^\s*(\d+(?:\.\d+)*)$/.exec(p);
    const tilde = /^~(?!=)\s*(\d+(?:\.\d+)*)$/.exec(p);
    if (caret) {
      const nums = caret[1]!.split('.').map(Number);
      const firstNonZero = nums.findIndex((n) => n !== 0);
      const idx = firstNonZero < 0 ? nums.length - 1 : Math.min(firstNonZero, nums.length - 1);
      const upper = nums.slice(0, idx + 1);
      upper[idx] = upper[idx]! + 1;
      out.push(`>=${caret[1]}`, `<${[...upper, ...Array(Math.max(0, nums.length - upper.length)).fill(0)].join('.')}`);
    } else if (tilde) {
      const nums = tilde[1]!.split('.').map(Number);
      const upper = nums.length === 1 ? [nums[0]! + 1] : [nums[0]!, nums[1]! + 1];
      out.push(`>=${tilde[1]}`, `<${[...upper, ...Array(Math.max(0, nums.length - upper.length)).fill(0)].join('.')}`);
    } else if (/^\d/.test(p)) {
      out.push(`==${p}`);
    } else {
      out.push(p.replace(/\s+/g, ''));
    }
  }
  const spec = out.join(',');
  return isValidSpecifier(spec) ? spec : null;
}
