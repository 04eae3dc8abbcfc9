// The resolver's real mode: `pip install --dry-run --ignore-installed --report` of the user's own
// requirement lines (no extras injected), with a given interpreter (which must have pip >= 22.2).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInGroup } from '../verify/exec.js';
import { normalizeName } from './pep508.js';
import type { Resolution } from './types.js';

interface PipReport {
  environment?: { python_full_version?: string; python_version?: string };
  install?: { metadata?: { name?: string; version?: string }; requested_extras?: string[] }[];
}

export interface PipOptions {
  /** a Python interpreter with pip >= 22.2 (jobctl's own resolver venv) */
  python: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** a pip constraints file (`-c FILE`), as the user passes it */
  constraint?: string;
}

/** pip's conflict explanation, without the generic advice around it */
function conflictLines(output: string): string[] {
  const all = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const start = all.findIndex((l) => /The conflict is caused by|conflicting dependencies|ResolutionImpossible|No matching distribution|Could not find a version/i.test(l));
  return (start >= 0 ? all.slice(start) : all.slice(-6))
    .filter((l) => !/^To fix this|^1\.|^2\.|Loosen|Remove package versions|try to/i.test(l) && !l.startsWith('https://'))
    .slice(0, 10);
}

export async function resolveWithPip(lines: string[], opts: PipOptions): Promise<Resolution> {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-deps-'));
  try {
    const reqFile = path.join(dir, 'requirements.txt');
    writeFileSync(reqFile, `${lines.join('\n')}\n`);
    const report = path.join(dir, 'report.json');
    // not --quiet: pip prints "The conflict is caused by: ..." (the pins) at its normal level
    const r = await runInGroup(opts.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--dry-run', '--ignore-installed', '--progress-bar', 'off', '--report', report, '-r', reqFile, ...(opts.constraint ? ['-c', opts.constraint] : [])], {
      timeout: opts.timeoutMs ?? 10 * 60_000, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (r.exitCode !== 0) return { ok: false, mode: 'pip', python: '', conflict: conflictLines(String(r.all ?? '')) };
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as PipReport;
    const versions: Record<string, string> = {};
    const extras: Record<string, string[]> = {};
    for (const i of parsed.install ?? []) {
      const name = i.metadata?.name;
      if (!name || !i.metadata?.version) continue;
      versions[normalizeName(name)] = i.metadata.version;
      if (i.requested_extras?.length) extras[normalizeName(name)] = [...i.requested_extras].map(normalizeName).sort();
    }
    const python = parsed.environment?.python_full_version ?? parsed.environment?.python_version ?? '';
    return { ok: true, mode: 'pip', python, versions, extras, complete: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
