// Parsing of the load-test flags that are not plain numbers (--rate, --duration, --args, --kwargs),
// with one-line errors that say what to write instead.
import { JobctlError } from '../util/errors.js';

/** `200/s`, `200`, `12000/m`, `5/ms`? no: per second, minute or hour. Returns tasks per second. */
export function parseRate(text: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:\/\s*(s|sec|m|min|h|hour))?\s*$/i.exec(text);
  if (!m) throw new JobctlError(`--rate '${text}': write a number of tasks per second, e.g. --rate 200/s (or 6000/m)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const perSec = unit.startsWith('h') ? n / 3600 : unit.startsWith('m') ? n / 60 : n;
  if (!(perSec > 0)) throw new JobctlError(`--rate '${text}': the rate must be above 0`);
  if (perSec > 100_000) throw new JobctlError(`--rate '${text}': more than 100000/s is beyond what one producer can schedule; lower it`);
  return perSec;
}

/** `60s`, `2m`, `1m30s`, `500ms`, `90` (seconds). Returns milliseconds. */
export function parseDuration(text: string, flag = '--duration'): number {
  const t = text.trim();
  if (/^[0-9]+(?:\.[0-9]+)?$/.test(t)) return Number(t) * 1000;
  const re = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    pos = re.lastIndex;
  }
  if (pos !== t.length || pos === 0) throw new JobctlError(`${flag} '${text}': write a duration like 60s, 2m, 1m30s or 500ms`);
  if (total <= 0) throw new JobctlError(`${flag} '${text}': the duration must be above 0`);
  return total;
}

export function parseJsonArgs(text: string | undefined): unknown[] {
  if (text === undefined) return [];
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new JobctlError(`--args '${text}': not JSON; write a JSON array, e.g. --args '[1024, "fast"]'`); }
  if (!Array.isArray(v)) throw new JobctlError(`--args '${text}': must be a JSON array (positional arguments), e.g. --args '[1024]'`);
  return v;
}

export function parseJsonKwargs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new JobctlError(`--kwargs '${text}': not JSON; write a JSON object, e.g. --kwargs '{"size": 1024}'`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new JobctlError(`--kwargs '${text}': must be a JSON object, e.g. --kwargs '{"size": 1024}'`);
  return v as Record<string, unknown>;
}
