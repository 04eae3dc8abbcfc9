// Reading the worker's output: Python warnings (`path:line: SomeDeprecationWarning: message`,
// continued on the following lines until the `warnings.warn(` source line or the next log record).
const WARNING_LINE = /^(?:.*?:\d+: )?([A-Za-z_][\w.]*(?:DeprecationWarning|PendingDeprecationWarning))\s*:\s*(.*)$/;
const LOG_RECORD = /^\[\d{4}-\d{2}-\d{2}|^\s*-------------|^\s*warnings\.warn\(|^\s*$/;

export function collectDeprecationWarnings(logs: string): string[] {
  const lines = logs.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = WARNING_LINE.exec(lines[i]!.trim());
    if (!m) continue;
    const parts = [m[2]!.trim()];
    for (let j = i + 1; j < lines.length && j < i + 8; j++) {
      const next = lines[j]!;
      if (LOG_RECORD.test(next) || WARNING_LINE.test(next.trim())) break;
      parts.push(next.trim());
    }
    const text = `${m[1]}: ${parts.filter(Boolean).join(' ')}`;
    if (!out.includes(text)) out.push(text);
  }
  return out;
}
