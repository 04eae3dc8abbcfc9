// Labels for real-project corpora (the PyPI corpus in CI, the desk bench in bench/corpus.mjs).
//
// A labels file has one label a line:
//   expect  path:line:rule   | provenance   a finding jobctl must make (written from reading the project)
//   found   path:line:rule   | provenance   a finding jobctl made first and a reading then confirmed
//                                            (counts for precision, never for recall)
//   silent  path:line:rule   | provenance   jobctl must NOT report this (line may be `*`: anywhere in the file)
// `expect` may use `*` for the line when the rule's location is a convention (e.g. the app definition).
// Blank lines and lines starting with `#` are comments. The provenance says what in the project makes
// the label true (file, setting, fix commit) — it is required.
import { readFileSync } from 'node:fs';

export type LabelKind = 'expect' | 'found' | 'silent';

export interface Label {
  kind: LabelKind;
  file: string;
  /** null = any line of the file */
  line: number | null;
  rule: string;
  provenance: string;
  /** `path:line:rule` as written */
  spec: string;
}

export interface FindingLike {
  ruleId: string;
  message?: string;
  location: { file: string; line: number };
}

const LINE = /^(expect|found|silent)\s+(\S+):(\d+|\*):(JC\d{3})\s*\|\s*(\S.*)$/;

export function parseLabels(text: string, source = 'labels'): Label[] {
  const labels: Label[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: not a label (want \`expect|found|silent path:line:JCnnn | provenance\`): ${line}`);
    const [, kind, file, ln, rule, provenance] = m;
    labels.push({ kind: kind as LabelKind, file: file!, line: ln === '*' ? null : Number(ln), rule: rule!, provenance: provenance!.trim(), spec: `${file}:${ln}:${rule}` });
  });
  return labels;
}

export function readLabels(file: string): Label[] {
  return parseLabels(readFileSync(file, 'utf8'), file);
}

export function matches(label: Label, f: FindingLike): boolean {
  return f.ruleId === label.rule && f.location.file === label.file && (label.line === null || label.line === f.location.line);
}

/**
 * The finding reports the label's place as one of its other places: JC502 reports a repeated secret value once and
 * lists the rest ("…; the same value is also in a.py:3, compose.yml:17"), as the issue asks. The user is pointed at
 * that line, so it counts as reported (recall); it never matches `silent`/`found` labels.
 */
export function listsPlace(label: Label, f: FindingLike): boolean {
  if (f.ruleId !== label.rule || label.line === null || !f.message) return false;
  const m = /the same value is also in ([^;]+?)(?: and \d+ more)?$/.exec(f.message);
  return !!m && m[1]!.split(/,\s*/).includes(`${label.file}:${label.line}`);
}

/** known gaps: `project path:line:rule | why jobctl misses it today` */
export interface KnownGap { project: string; spec: string; why: string }

export function parseKnownGaps(text: string, source = 'known-gaps'): KnownGap[] {
  const out: KnownGap[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(\S+)\s+(\S+:(?:\d+|\*):JC\d{3})\s*\|\s*(\S.*)$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: not a known gap (want \`project path:line:JCnnn | why\`): ${line}`);
    out.push({ project: m[1]!, spec: m[2]!, why: m[3]!.trim() });
  });
  return out;
}

export interface ProjectScore {
  /** expect labels jobctl reported */
  hit: Label[];
  /** expect labels jobctl did not report */
  missed: Label[];
  /** silent labels jobctl reported anyway, with the finding */
  silentHit: { label: Label; finding: FindingLike }[];
  /** findings matched by an expect/found label (true positives) */
  truePositives: FindingLike[];
  /** findings no label speaks about (not judged yet: counted as wrong until a reading labels them) */
  unjudged: FindingLike[];
}

/** Score one project's findings against its labels. */
export function score(labels: Label[], findings: FindingLike[]): ProjectScore {
  const positives = labels.filter((l) => l.kind !== 'silent');
  const silents = labels.filter((l) => l.kind === 'silent');
  const hit: Label[] = [];
  const missed: Label[] = [];
  for (const l of labels.filter((x) => x.kind === 'expect')) (findings.some((f) => matches(l, f) || listsPlace(l, f)) ? hit : missed).push(l);
  const silentHit: ProjectScore['silentHit'] = [];
  const truePositives: FindingLike[] = [];
  const unjudged: FindingLike[] = [];
  for (const f of findings) {
    // an exact-line silent label wins over everything; a whole-file (`*`) silent label yields to a label that names this line
    const bad = silents.find((l) => l.line !== null && matches(l, f))
      ?? (positives.some((l) => l.line !== null && matches(l, f)) ? undefined : silents.find((l) => matches(l, f)));
    if (bad) silentHit.push({ label: bad, finding: f });
    else if (positives.some((l) => matches(l, f))) truePositives.push(f);
    else unjudged.push(f);
  }
  return { hit, missed, silentHit, truePositives, unjudged };
}

/** JC101 -> 'JC1xx' */
export const bandOf = (rule: string): string => `${rule.slice(0, 3)}xx`;
