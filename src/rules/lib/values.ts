// Small readers over PyValue (what the model could evaluate without running code).
import type { PyValue } from '../../model/types.js';

export function asString(v: PyValue | undefined): string | null {
  if (!v) return null;
  if (v.kind === 'str') return v.value;
  if (v.kind === 'env' && v.default) return asString(v.default);
  return null;
}

export function asNumber(v: PyValue | undefined): number | null {
  if (!v) return null;
  if (v.kind === 'num') return v.value;
  if (v.kind === 'env' && v.default) return asNumber(v.default);
  // 60 * 60 and friends
  if (v.kind === 'expr' && /^[\d\s*+.()]+$/.test(v.text)) {
    try {
      const n = Function(`"use strict"; return (${v.text});`)() as unknown;
      return typeof n === 'number' && Number.isFinite(n) ? n : null;
    } catch {
      return null;
    }
  }
  return null;
}

export function asBool(v: PyValue | undefined): boolean | null {
  if (!v) return null;
  if (v.kind === 'bool') return v.value;
  if (v.kind === 'num') return v.value !== 0;
  return null;
}

/** strings inside a list/tuple/set literal, or a single string */
export function asStringList(v: PyValue | undefined): string[] | null {
  if (!v) return null;
  if (v.kind === 'str') return [v.value];
  if (v.kind === 'list') {
    const out: string[] = [];
    for (const item of v.items) {
      const s = asString(item);
      if (s !== null) out.push(s);
    }
    return out;
  }
  return null;
}

export function dictGet(v: PyValue | undefined, key: string): PyValue | undefined {
  if (!v || v.kind !== 'dict') return undefined;
  return v.entries.find((e) => e.key.kind === 'str' && e.key.value === key)?.value;
}

/** every string literal anywhere inside the value (URLs inside dicts, env defaults) */
export function allStrings(v: PyValue | undefined, out: string[] = []): string[] {
  if (!v) return out;
  switch (v.kind) {
    case 'str':
      out.push(v.value);
      break;
    case 'list':
      v.items.forEach((i) => allStrings(i, out));
      break;
    case 'dict':
      v.entries.forEach((e) => allStrings(e.value, out));
      break;
    case 'env':
      if (v.default) allStrings(v.default, out);
      break;
    default:
      break;
  }
  return out;
}
