// The edits an upgrade needs, computed from the model's copy of each file (no second read): renamed
// settings, requirement bumps, and Celery 5 CLI option order. Pure: returns replacements + unified diffs;
// applyPlan() (apply.ts) is the only thing that writes.
//
// Settings renames follow how Celery reads config (src/rules/lib/settings.ts, verified on 5.6.3):
// - a source with old names gets ALL of them renamed at once: a half-renamed config that Celery counts
//   for its old/new majority check fails with ImproperlyConfigured (celery/app/utils.py detect_settings);
// - Django settings are only read in upper case, so old keys there are not renamed to lowercase names:
//   with namespace='CELERY' the working name is CELERY_<NEW_NAME_UPPER>; without a namespace the fix
//   needs the namespace added in a second file -> a manual edit;
// - keys Celery ignores today (doc-only names, old names under a namespace) would start to take effect
//   when renamed: that changes runtime behaviour, so it is a manual edit, never applied silently.
import { createHash } from 'node:crypto';
import { createPatch } from 'diff';
import type { ConfigSource, Dependency, ProjectModel, SettingAssignment } from '../model/types.js';
import type { Knowledge, ReleaseFacts } from '../knowledge/types.js';
import { classifyKey } from '../rules/lib/settings.js';
import { reorderCeleryArgv } from '../rules/lib/cli.js';
import type { DependencyRow, EditKind, ManualEdit, PlanEdit, PlanSource, RiskLevel, TextReplacement } from './types.js';

export interface EditSet {
  edits: PlanEdit[];
  manualEdits: ManualEdit[];
}

interface PendingFileEdit {
  kinds: Set<EditKind>;
  replacements: TextReplacement[];
  changes: string[];
  sources: PlanSource[];
}

const RENAME_SOURCES: PlanSource[] = [
  { title: 'Old->new map in code', ref: 'celery@v5.6.3:celery/app/defaults.py (_TO_NEW_KEY)' },
  { title: 'detect_settings: mixing old and new keys raises ImproperlyConfigured', ref: 'celery@v5.6.3:celery/app/utils.py' },
];
const CLI_SOURCES: PlanSource[] = [
  { title: "What's new in Celery 5.0: the new command line (global options before the sub-command)", ref: 'celery@v5.0.0:docs/whatsnew-5.0.rst' },
];
const PIN_SOURCES: PlanSource[] = [{ title: 'Requires-Dist of the target wheel', ref: 'src/knowledge/data/releases.json (scripts/gen-release-data.py)' }];

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Apply replacements to text; null if any `from` is not where the replacement says (text changed). */
export function applyReplacements(text: string, replacements: TextReplacement[]): string | null {
  const lines = text.split('\n');
  const ordered = [...replacements].sort((a, b) => b.line - a.line || b.column - a.column);
  for (const r of ordered) {
    const line = lines[r.line - 1];
    if (line === undefined) return null;
    const i = r.column - 1;
    if (line.slice(i, i + r.from.length) !== r.from) return null;
    lines[r.line - 1] = line.slice(0, i) + r.to + line.slice(i + r.from.length);
  }
  return lines.join('\n');
}

/** Unified diff of one file, paths as git prints them (a/ b/) so `git apply` takes it. */
export function unifiedDiff(file: string, before: string, after: string): string {
  return createPatch(file, before, after, '', '', { context: 3 })
    .replace(/^Index: .*\n=+\n/, '')
    .replace(/^--- (.*?)\t?\n/m, `--- a/${file}\n`)
    .replace(/^\+\+\+ (.*?)\t?\n/m, `+++ b/${file}\n`);
}

/**
 * Positions of `name` as a Python identifier in `text` (outside strings and comments), as 1-based
 * line/column. A light scanner: enough for config modules, which are flat assignments.
 */
export function identifierOccurrences(text: string, name: string): { line: number; column: number }[] {
  const out: { line: number; column: number }[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  const isId = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      col = 1;
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') {
        i++;
        col++;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.slice(i, i + 3) === c.repeat(3);
      const end = triple ? c.repeat(3) : c;
      i += end.length;
      col += end.length;
      while (i < text.length && text.slice(i, i + end.length) !== end) {
        if (text[i] === '\\') {
          i++;
          col++;
        }
        if (text[i] === '\n') {
          if (!triple) break;
          line++;
          col = 1;
        } else col++;
        i++;
      }
      i += end.length;
      col += end.length;
      continue;
    }
    if (isId(c) && !isId(text[i - 1])) {
      let j = i;
      while (isId(text[j])) j++;
      if (text.slice(i, j) === name) out.push({ line, column: col });
      col += j - i;
      i = j;
      continue;
    }
    i++;
    col++;
  }
  return out;
}

/** Where exactly the key text sits on its line (keyLoc may point at a quote of a dict key). */
function keyReplacement(lines: string[], a: SettingAssignment, to: string): TextReplacement | null {
  const line = lines[a.keyLoc.line - 1];
  if (line === undefined) return null;
  for (const delta of [0, 1]) {
    const i = a.keyLoc.column - 1 + delta;
    if (line.slice(i, i + a.name.length) === a.name && !/[A-Za-z0-9_]/.test(line[i + a.name.length] ?? '')) {
      return { line: a.keyLoc.line, column: i + 1, from: a.name, to };
    }
  }
  return null;
}

function addTo(pending: Map<string, PendingFileEdit>, file: string, kind: EditKind, reps: TextReplacement[], change: string, sources: PlanSource[]): void {
  const p = pending.get(file) ?? { kinds: new Set(), replacements: [], changes: [], sources: [] };
  p.kinds.add(kind);
  for (const r of reps) if (!p.replacements.some((x) => x.line === r.line && x.column === r.column)) p.replacements.push(r);
  p.changes.push(change);
  for (const s of sources) if (!p.sources.some((x) => x.ref === s.ref)) p.sources.push(s);
  pending.set(file, p);
}

function settingRenames(model: ProjectModel, k: Knowledge, target: ReleaseFacts, pending: Map<string, PendingFileEdit>, manual: ManualEdit[]): void {
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  const targetSettings = new Set(target.settings);
  for (const source of model.configSources) {
    if (source.kind === 'celery-ctor') continue;
    const text = textOf.get(source.file);
    if (text === undefined) continue;
    const lines = text.split('\n');
    const olds: { a: SettingAssignment; newName: string }[] = [];
    for (const a of source.settings) {
      const st = classifyKey(a.name, source, k);
      if (st.kind === 'old') olds.push({ a, newName: st.newName });
      else if (st.kind === 'ignored-by-namespace') {
        manual.push({
          file: a.keyLoc.file, line: a.keyLoc.line, title: `\`${a.name}\` is ignored under namespace '${source.namespace}'`,
          why: `With \`namespace='${source.namespace}'\` Celery reads only \`${source.namespace}_\` + the new name in upper case; this key has no effect today. Renaming it makes Celery apply its value, which changes runtime behaviour: review the value first.`,
          suggestion: `rename \`${a.name}\` to \`${st.working}\``,
        });
      } else if (st.kind === 'doc-only') {
        manual.push({
          file: a.keyLoc.file, line: a.keyLoc.line, title: `\`${a.name}\` is not read by Celery`,
          why: `\`${a.name}\` appears in Celery's docs table but not in the code's map (celery/app/defaults.py _TO_NEW_KEY), so Celery ignores it today. Renaming it makes Celery apply the value (a behaviour change): review the value first.`,
          suggestion: `rename \`${a.name}\` to \`${st.newName}\``,
        });
      }
    }
    if (olds.length === 0) continue;
    if (source.kind === 'django-settings' || source.isDjangoConfSettings) {
      // Django only exposes upper-case settings; lowercase names would be dropped
      manual.push({
        file: olds[0]!.a.keyLoc.file, line: olds[0]!.a.keyLoc.line, title: 'Old-style Celery keys in Django settings without a namespace',
        why: `Django settings are read in upper case only, so these ${olds.length} key(s) cannot be renamed to lowercase names in place. Celery suppresses the deprecation warnings for 'django.conf:settings' but will stop reading the old names in 6.0.`,
        suggestion: `call \`config_from_object('django.conf:settings', namespace='CELERY')\` and rename every Celery key to CELERY_<NEW_NAME_UPPER> (e.g. ${olds.filter((o) => o.a.name !== `CELERY_${o.newName.toUpperCase()}`).slice(0, 2).map((o) => `\`${o.a.name}\` -> \`CELERY_${o.newName.toUpperCase()}\``).join(', ')}) in one change`,
      });
      continue;
    }
    // a module read with its `from .base import *` chain, or a class with bases in other files: the keys live
    // in several files, and renaming one file's keys alone leaves a mixed config
    const files = [...new Set(olds.map((o) => o.a.keyLoc.file))];
    if (files.length > 1 || files[0] !== source.file) {
      manual.push({
        file: olds[0]!.a.keyLoc.file, line: olds[0]!.a.keyLoc.line, title: `Old-style keys of ${source.file} are spread over ${files.join(', ')}`,
        why: 'The config Celery loads takes these keys from several files (star imports or base classes). Renaming them file by file produces a mixed config that Celery refuses to load (ImproperlyConfigured).',
        suggestion: `rename all of them in one change: ${olds.map((o) => `\`${o.a.name}\` -> \`${o.newName}\` (${o.a.keyLoc.file}:${o.a.keyLoc.line})`).join(', ')}`,
      });
      continue;
    }
    const given = new Set(source.settings.map((a) => a.name));
    const reps: TextReplacement[] = [];
    const blocked: string[] = [];
    for (const { a, newName } of olds) {
      if (given.has(newName)) {
        blocked.push(`\`${a.name}\` and \`${newName}\` are both set: remove \`${a.name}\` after checking which value is meant`);
        continue;
      }
      const rep = keyReplacement(lines, a, newName);
      if (!rep) {
        blocked.push(`\`${a.name}\` could not be located exactly on line ${a.keyLoc.line}`);
        continue;
      }
      reps.push(rep);
      if (source.kind === 'config-module') {
        // module constants can refer to each other (`CELERY_RESULT_BACKEND = BROKER_URL`): rename those too
        for (const o of identifierOccurrences(text, a.name)) {
          if (o.line === rep.line && o.column === rep.column) continue;
          reps.push({ line: o.line, column: o.column, from: a.name, to: newName });
        }
        const elsewhere = model.files.filter((f) => f.kind === 'python' && f.file !== source.file && new RegExp(`\\b${a.name}\\b`).test(f.text) && referencesModule(f.text, source));
        if (elsewhere.length > 0) blocked.push(`\`${a.name}\` is also used in ${elsewhere.map((f) => f.file).join(', ')}`);
      }
    }
    if (blocked.length > 0) {
      // never half-rename a source: a mixed config does not start
      manual.push({
        file: source.file, line: olds[0]!.a.keyLoc.line, title: `Old-style keys in ${source.file} need a manual rename`,
        why: `Renaming only some keys of one config produces a mixed config that Celery refuses to load (ImproperlyConfigured). ${blocked.join('; ')}.`,
        suggestion: `rename all of: ${olds.map((o) => `\`${o.a.name}\` -> \`${o.newName}\``).join(', ')}`,
      });
      continue;
    }
    for (const { a, newName } of olds) {
      const missing = !targetSettings.has(newName) ? ` (note: \`${newName}\` is not a setting of ${target.version})` : '';
      addTo(pending, source.file, 'rename-settings', [], `rename \`${a.name}\` -> \`${newName}\`${missing}`, RENAME_SOURCES);
    }
    addTo(pending, source.file, 'rename-settings', reps, `all ${olds.length} old-style key(s) of this config renamed together (a mixed config fails with ImproperlyConfigured)`, []);
  }
}

function referencesModule(text: string, source: ConfigSource): boolean {
  const mod = (source.objectRef ?? source.file.replace(/\.py$/, '').replace(/\//g, '.')).split(':')[0]!;
  const last = mod.split('.').pop()!;
  return new RegExp(`\\b(from\\s+[\\w.]*${last}\\s+import|${last}\\.)`).test(text);
}

/** The line of a requirement with its version replaced, as a replacement (exact pins only). */
function pinReplacement(lines: string[], d: Dependency, newVersion: string): TextReplacement | null {
  if (!d.version) return null;
  const line = lines[d.loc.line - 1];
  if (line === undefined) return null;
  const nameAt = line.toLowerCase().indexOf(d.rawName.toLowerCase());
  if (nameAt < 0) return null;
  const at = line.indexOf(d.version, nameAt + d.rawName.length);
  if (at < 0) return null;
  // the version must stand alone ('5.3.4', not '5.3.40')
  if (/[0-9A-Za-z.]/.test(line[at + d.version.length] ?? '')) return null;
  return { line: d.loc.line, column: at + 1, from: d.version, to: newVersion };
}

function requirementBumps(model: ProjectModel, rows: DependencyRow[], pending: Map<string, PendingFileEdit>, manual: ManualEdit[]): void {
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  for (const row of rows) {
    if (row.status === 'not-listed' && row.suggestedLine && row.name !== 'celery') {
      // a requirement the dependency fix adds (e.g. kombu[redis]): next to the Celery requirement
      const celery = model.dependencies.find((d) => d.name === 'celery' && !d.isLock);
      if (celery) manual.push({ file: celery.file, line: celery.loc.line, title: `Add \`${row.suggestedLine}\``, why: row.note ?? `Celery ${row.targetNeeds ?? ''} needs it.`, suggestion: `add \`${row.suggestedLine}\` to ${celery.file}` });
      continue;
    }
    if (row.status !== 'bump' && row.status !== 'conflict') continue;
    const deps = model.dependencies.filter((d) => d.name === row.name && !d.isLock && `${d.file}:${d.loc.line}` === row.where);
    for (const d of deps) {
      const text = textOf.get(d.file);
      const newVersion = row.suggestedVersion;
      const rep = text !== undefined && newVersion ? pinReplacement(text.split('\n'), d, newVersion) : null;
      if (!rep) {
        manual.push({ file: d.file, line: d.loc.line, title: `Change the \`${d.rawName}\` requirement`, why: `${d.rawName} ${d.specifier || '(unpinned)'} does not allow what Celery needs (${row.targetNeeds ?? 'the target'}).`, suggestion: row.suggestedLine ? `write \`${row.suggestedLine}\`` : `allow ${row.name}${row.targetNeeds ?? ''}` });
        continue;
      }
      addTo(pending, d.file, 'bump-requirement', [rep], `${d.rawName} ${d.version} -> ${newVersion}${row.via ? ` (${row.via})` : ''}`, PIN_SOURCES);
    }
  }
}

function cliReorders(model: ProjectModel, pending: Map<string, PendingFileEdit>, manual: ManualEdit[]): void {
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  for (const w of model.workerCommands) {
    const fixed = reorderCeleryArgv(w.argv);
    if (!fixed) continue;
    const line = textOf.get(w.file)?.split('\n')[w.loc.line - 1];
    const plain = w.argv.join(' ');
    let rep: TextReplacement | null = null;
    if (line !== undefined) {
      const i = line.indexOf(plain);
      if (i >= 0) rep = { line: w.loc.line, column: i + 1, from: plain, to: fixed.join(' ') };
      else {
        // exec form: ["celery", "worker", "-A", "proj"]
        const esc = w.argv.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        const pattern = esc.map((a, i) => (i === 0 ? `(["'])${a}\\1` : `\\1${a}\\1`)).join('\\s*,\\s*');
        const m = new RegExp(pattern).exec(line);
        if (m) {
          const q = m[1]!;
          rep = { line: w.loc.line, column: m.index + 1, from: m[0], to: fixed.map((a) => `${q}${a}${q}`).join(', ') };
        }
      }
    }
    if (!rep) {
      manual.push({ file: w.file, line: w.loc.line, title: 'Move Celery global options before the sub-command', why: 'Celery 5 rejects global options (-A, --app, -b, --workdir, ...) after the sub-command ("No such option").', suggestion: `\`${fixed.join(' ')}\`` });
      continue;
    }
    addTo(pending, w.file, 'reorder-cli', [rep], `\`${plain}\` -> \`${fixed.join(' ')}\` (Celery 5: global options before the sub-command)`, CLI_SOURCES);
  }
}

export function computeEdits(model: ProjectModel, k: Knowledge, target: ReleaseFacts, rows: DependencyRow[], riskOf: (kinds: EditKind[], file: string) => RiskLevel): EditSet {
  const pending = new Map<string, PendingFileEdit>();
  const manualEdits: ManualEdit[] = [];
  settingRenames(model, k, target, pending, manualEdits);
  requirementBumps(model, rows, pending, manualEdits);
  cliReorders(model, pending, manualEdits);
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  const edits: PlanEdit[] = [];
  for (const [file, p] of [...pending.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const before = textOf.get(file);
    if (before === undefined || p.replacements.length === 0) continue;
    const after = applyReplacements(before, p.replacements);
    if (after === null || after === before) {
      manualEdits.push({ file, line: p.replacements[0]!.line, title: `Edit ${file} by hand`, why: 'jobctl could not place its replacements exactly in this file.', suggestion: p.changes.join('; ') });
      continue;
    }
    const kinds = [...p.kinds];
    edits.push({
      id: `edit-${edits.length + 1}`,
      kinds,
      file,
      title: kinds.map((x) => ({ 'rename-settings': 'rename old-style settings', 'bump-requirement': 'bump requirements', 'reorder-cli': 'fix celery option order' })[x]).join(', '),
      changes: p.changes,
      baseSha256: sha256(before),
      replacements: p.replacements.sort((a, b) => a.line - b.line || a.column - b.column),
      diff: unifiedDiff(file, before, after),
      sources: p.sources,
      risk: riskOf(kinds, file),
    });
  }
  manualEdits.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { edits, manualEdits };
}
