// PEP 508 pieces the offline resolver needs: a requirement line parser ("kombu[redis]>=5.5.2; extra ==
// 'redis'") and an environment-marker evaluator for one target environment (CPython on Linux).
import { satisfies } from '@renovatebot/pep440';

export interface ParsedRequirement {
  /** PEP 503 normalised */
  name: string;
  extras: string[];
  /** PEP 440 specifier ('' when none) */
  specifier: string;
  marker: string | null;
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const REQ = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(?:\(([^)]*)\)|([^;@]*))\s*(?:;(.*))?$/;

/** Parses one requirement line (direct URLs and unparsable lines give null). */
export function parseRequirement(line: string): ParsedRequirement | null {
  const m = REQ.exec(line);
  if (!m) return null;
  const spec = (m[3] ?? m[4] ?? '').replace(/\s+/g, '');
  return {
    name: normalizeName(m[1]!),
    extras: (m[2] ?? '').split(',').map((e) => normalizeName(e.trim())).filter(Boolean),
    specifier: spec,
    marker: m[5]?.trim() || null,
  };
}

/** The environment markers are evaluated against (PEP 508 variable names). */
export interface MarkerEnv {
  python_version: string;
  python_full_version: string;
  sys_platform: string;
  platform_system: string;
  platform_python_implementation: string;
  implementation_name: string;
  os_name: string;
  extra?: string;
}

export function linuxCPython(python: string): MarkerEnv {
  const minor = python.split('.').slice(0, 2).join('.');
  return {
    python_version: minor, python_full_version: python.split('.').length >= 3 ? python : `${minor}.0`,
    sys_platform: 'linux', platform_system: 'Linux', platform_python_implementation: 'CPython', implementation_name: 'cpython', os_name: 'posix',
  };
}

type Tok = { t: 'str' | 'var' | 'op' | '(' | ')' | 'and' | 'or'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(["'])(.*?)\1|(===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)|(\()|(\))|(and\b|or\b)|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) throw new Error(`bad marker: ${s}`);
    i = re.lastIndex;
    if (m[1]) out.push({ t: 'str', v: m[2]! });
    else if (m[3]) out.push({ t: 'op', v: m[3].replace(/\s+/g, ' ') });
    else if (m[4]) out.push({ t: '(', v: '(' });
    else if (m[5]) out.push({ t: ')', v: ')' });
    else if (m[6]) out.push({ t: m[6] as 'and' | 'or', v: m[6] });
    else out.push({ t: 'var', v: m[7]! });
  }
  return out;
}

const VERSION_VARS = new Set(['python_version', 'python_full_version', 'implementation_version']);

function compare(lhs: Tok, op: string, rhs: Tok, env: MarkerEnv): boolean {
  const val = (t: Tok): string => (t.t === 'str' ? t.v : t.v === 'extra' ? env.extra ?? '' : ((env as unknown as Record<string, string>)[t.v] ?? ''));
  const l = val(lhs);
  const r = val(rhs);
  const isVersion = (lhs.t === 'var' && VERSION_VARS.has(lhs.v)) || (rhs.t === 'var' && VERSION_VARS.has(rhs.v));
  if (op === 'in') return r.includes(l);
  if (op === 'not in') return !r.includes(l);
  if (lhs.t === 'var' && lhs.v === 'extra') return op === '==' ? normalizeName(l) === normalizeName(r) : normalizeName(l) !== normalizeName(r);
  if (isVersion && lhs.t === 'var') {
    try {
      return satisfies(l, `${op}${r}`);
    } catch {
      /* fall through to string comparison */
    }
  }
  if (isVersion && rhs.t === 'var') {
    const flipped: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };
    try {
      if (flipped[op]) return satisfies(r, `${flipped[op]}${l}`);
    } catch {
      /* string comparison */
    }
  }
  switch (op) {
    case '==': case '===': return l === r;
    case '!=': return l !== r;
    case '<': return l < r;
    case '>': return l > r;
    case '<=': return l <= r;
    case '>=': return l >= r;
    default: return false;
  }
}

/** Evaluates a PEP 508 marker; an unparsable marker counts as true (the requirement is kept). */
export function evaluateMarker(marker: string | null | undefined, env: MarkerEnv): boolean {
  if (!marker) return true;
  let toks: Tok[];
  try {
    toks = tokenize(marker);
  } catch {
    return true;
  }
  let i = 0;
  const atom = (): boolean => {
    const t = toks[i];
    if (t?.t === '(') {
      i++;
      const v = orExpr();
      i++; // ')'
      return v;
    }
    const lhs = toks[i++]!;
    const op = toks[i++]!;
    const rhs = toks[i++]!;
    return compare(lhs, op.v, rhs, env);
  };
  const andExpr = (): boolean => {
    let v = atom();
    while (toks[i]?.t === 'and') {
      i++;
      v = atom() && v;
    }
    return v;
  };
  const orExpr = (): boolean => {
    let v = andExpr();
    while (toks[i]?.t === 'or') {
      i++;
      v = andExpr() || v;
    }
    return v;
  };
  try {
    return orExpr();
  } catch {
    return true;
  }
}
