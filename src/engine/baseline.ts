// The adoption baseline (ESLint's bulk suppressions, semgrep's baseline, bandit -b): a committed
// file of today's findings, by fingerprint. `jobctl audit` then reports — and fails on — only the
// findings that are not in it, counts the baselined ones, and lists baseline entries that no longer
// occur (fixed, or their code changed), which `--write-baseline` prunes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { JobctlError } from '../util/errors.js';
import type { AuditResult, Finding } from './types.js';
import { withFindings } from './only-files.js';

export const BASELINE_FILE = 'jobctl-baseline.json';

export interface BaselineEntry {
  fingerprint: string;
  rule: string;
  file: string;
  /** where it was when the baseline was written (for people reading the file; matching ignores it) */
  line: number;
  message: string;
}

export interface BaselineFile {
  /** format version of this file */
  version: 1;
  tool: 'jobctl';
  /** how to regenerate it, for people who find it in a repository */
  comment: string;
  findings: BaselineEntry[];
}

export interface Baseline {
  /** as given / configured, for messages */
  file: string;
  entries: BaselineEntry[];
}

/** The outcome recorded on the AuditResult. */
export interface BaselineOutcome {
  file: string;
  /** findings hidden because the baseline has them */
  matched: number;
  byRule: Record<string, number>;
  /** baseline entries no current finding matches: fixed, or their code changed */
  stale: BaselineEntry[];
}

export function baselineFromFindings(findings: Finding[]): BaselineFile {
  const entries = findings.map((f) => ({ fingerprint: f.fingerprint, rule: f.ruleId, file: f.location.file, line: f.location.line, message: f.message }));
  // sorted by place, so a regenerated baseline diffs line by line in review
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule) || a.fingerprint.localeCompare(b.fingerprint));
  return { version: 1, tool: 'jobctl', comment: 'Findings accepted when jobctl was adopted; `jobctl audit` fails only on others. Regenerate (and prune fixed ones) with `jobctl audit --write-baseline <this file>`.', findings: entries };
}

export async function writeBaseline(file: string, findings: Finding[]): Promise<void> {
  try {
    await fs.writeFile(file, `${JSON.stringify(baselineFromFindings(findings), null, 2)}\n`);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}

/** Reads a baseline; `required` = the user named it (flag or config), so a missing file is an error. */
export async function readBaseline(file: string, display: string, required: boolean): Promise<Baseline | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new JobctlError(`${display}: cannot read the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it with \`jobctl audit --write-baseline ${display}\``, { file: display });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new JobctlError(`${display}: not valid JSON (${(err as Error).message}); regenerate it with \`jobctl audit --write-baseline ${display}\``, { file: display });
  }
  const findings = (data as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(findings) || !findings.every((e) => e && typeof e === 'object' && typeof (e as BaselineEntry).fingerprint === 'string')) {
    throw new JobctlError(`${display}: not a jobctl baseline (expected {"findings": [{"fingerprint": …}]}); regenerate it with \`jobctl audit --write-baseline ${display}\``, { file: display });
  }
  return { file: display, entries: findings as BaselineEntry[] };
}

/** Splits findings into new ones and baselined ones. Each entry absorbs at most one finding (the
 * fingerprint already carries the occurrence index, so duplicates are distinct). */
export function applyBaseline(findings: Finding[], baseline: Baseline): { findings: Finding[]; outcome: BaselineOutcome } {
  const known = new Map(baseline.entries.map((e) => [e.fingerprint, e]));
  const used = new Set<string>();
  const kept: Finding[] = [];
  const byRule: Record<string, number> = {};
  for (const f of findings) {
    if (known.has(f.fingerprint) && !used.has(f.fingerprint)) {
      used.add(f.fingerprint);
      byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
      continue;
    }
    kept.push(f);
  }
  const stale = baseline.entries.filter((e) => !used.has(e.fingerprint));
  return { findings: kept, outcome: { file: baseline.file, matched: used.size, byRule, stale } };
}

/** Where the baseline is: --baseline (relative to the working directory, like every file flag),
 * else `baseline:` in the config (relative to the project root), else jobctl-baseline.json at the
 * project root when it exists. */
export function resolveBaselinePath(root: string, flag: string | undefined, configured: string | undefined): { file: string; display: string; required: boolean } {
  if (flag) return { file: path.resolve(flag), display: flag, required: true };
  if (configured) return { file: path.resolve(root, configured), display: configured, required: true };
  return { file: path.join(root, BASELINE_FILE), display: BASELINE_FILE, required: false };
}

/** The result without the baselined findings, with the outcome recorded for every reporter. */
export function withBaseline(result: AuditResult, baseline: Baseline): AuditResult {
  const { findings, outcome } = applyBaseline(result.findings, baseline);
  return { ...withFindings(result, findings), baseline: outcome };
}
