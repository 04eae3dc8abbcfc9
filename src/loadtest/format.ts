// Number formatting shared by the text and HTML reports.
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)}min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)}s`;
  if (ms >= 100) return `${Math.round(ms)}ms`;
  if (ms >= 10) return `${ms.toFixed(1)}ms`;
  if (ms === 0) return '0';
  return `${ms.toFixed(2)}ms`;
}

export function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '-';
  const sign = b < 0 ? '-' : '';
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${sign}${(a / 1024 ** 3).toFixed(2)} GiB`;
  if (a >= 1024 ** 2) return `${sign}${(a / 1024 ** 2).toFixed(1)} MiB`;
  if (a >= 1024) return `${sign}${(a / 1024).toFixed(1)} KiB`;
  return `${sign}${Math.round(a)} B`;
}

export function fmtNum(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function fmtPct(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return `${n.toFixed(Math.abs(n) < 10 ? 2 : 1)}%`;
}

/** Format a threshold's actual value in the unit it was written in. */
export function fmtValue(value: number | null, unit: 'ms' | '%' | 'count' | '/s' | 'bytes'): string {
  if (value === null) return 'n/a';
  switch (unit) {
    case 'ms': return fmtMs(value);
    case '%': return fmtPct(value);
    case 'count': return String(value);
    case '/s': return `${fmtNum(value)}/s`;
    case 'bytes': return fmtBytes(value);
  }
}
