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
import { activationText, appliesIn, namespacedOldKey } from '../rules/lib/namespace.js';
import { reorderCeleryArgv } from '../rules/lib/cli.js';
import { legacyCliChanges } from './facts.js';
import { extensionBumps } from './extensions.js';
import { rewriteSpecifier } from './specifier.js';
import { hashLines } from './generated.js';
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

/** A dormant old name under a namespace: ignored up to 5.6.x, applied from 5.7.0 (src/rules/lib/namespace.ts). */
function namespacedOldKeyEdit(model: ProjectModel, source: ConfigSource, a: SettingAssignment, st: { newName: string; working: string }, k: Knowledge, target: ReleaseFacts): ManualEdit {
  const info = namespacedOldKey(model, source, a, st.newName, k);
  const at = { file: source.file, line: a.keyLoc.line };
  if (!info.activates || info.shadowedBy) {
    return { ...at, title: `\`${a.name}\` is ignored under namespace '${source.namespace}' on every version`, why: info.shadowedBy ? `\`${info.shadowedBy.name}\` is read first, on 5.7 too.` : `Not the old alias of \`${st.newName}\`: no Celery version reads it.`, suggestion: `delete \`${a.name}\`` };
  }
  if (appliesIn(target.version)) {
    return { ...at, title: `\`${a.name}\` becomes active on the upgrade to ${target.version}`, why: `${activationText(a, st.newName, info, target.version)}. Celery ${target.version} reads old names under a namespace; up to 5.6.x it ignored them (changelog-5.7 #10597, #10586; docs/evidence/namespace-old-names.celery-5.6.3-5.7.0.txt).`, suggestion: `before upgrading, delete \`${a.name}\` (keeps today's behaviour), or set \`${st.working}\` if you want this value to apply` };
  }
  return { ...at, title: `\`${a.name}\` is ignored under namespace '${source.namespace}'`, why: `With \`namespace='${source.namespace}'\` Celery ${target.version} reads only \`${source.namespace}_\` + the new name in upper case; this key has no effect on ${target.version}. From 5.7.0 Celery applies it.`, suggestion: `delete \`${a.name}\` to keep today's behaviour, or set \`${st.working}\` if you want its value to apply` };
}

interface SourceRenames {
  source: ConfigSource;
  olds: { a: SettingAssignment; newName: string }[];
  reps: TextReplacement[];
  blocked: string[];
}

/** The renames one source needs (and what blocks them); manual edits for keys that must not be renamed silently. */
function sourceRenames(model: ProjectModel, k: Knowledge, target: ReleaseFacts, source: ConfigSource, text: string, manual: ManualEdit[]): SourceRenames {
  const lines = text.split('\n');
  const olds: { a: SettingAssignment; newName: string }[] = [];
  for (const a of source.settings) {
    const st = classifyKey(a.name, source, k);
    if (st.kind === 'old') olds.push({ a, newName: st.newName });
    else if (st.kind === 'ignored-by-namespace') {
      manual.push(namespacedOldKeyEdit(model, source, a, st, k, target));
    } else if (st.kind === 'doc-only') {
      manual.push({
        file: a.keyLoc.file, line: a.keyLoc.line, title: `\`${a.name}\` is not read by Celery`,
        why: `\`${a.name}\` appears in Celery's docs table but not in the code's map (celery/app/defaults.py _TO_NEW_KEY), so Celery ignores it today. Renaming it makes Celery apply the value (a behaviour change): review the value first.`,
        suggestion: `rename \`${a.name}\` to \`${st.newName}\``,
      });
    }
  }
  const given = new Set(source.settings.map((a) => a.name));
  const reps: TextReplacement[] = [];
  const blocked: string[] = [];
  // a module read with its `from .base import *` chain, or a class with bases in other files: the keys live
  // in several files, and renaming one file's keys alone leaves a mixed config
  const files = [...new Set(olds.map((o) => o.a.keyLoc.file))];
  if (source.kind !== 'flask-config' && olds.length > 0 && (files.length > 1 || files[0] !== source.file)) {
    blocked.push(`the keys Celery loads from ${source.file} are spread over ${files.join(', ')} (star imports or base classes)`);
    return { source, olds, reps, blocked };
  }
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
  return { source, olds, reps, blocked };
}

/**
 * Sources whose keys Celery checks together for a mix of old and new names (celery/app/base.py
 * _load_config -> detect_settings): with config_from_object, the object's keys; without it, every key
 * set before the config is read -- all conf.update(...) and conf.x = ... of the app plus the ctor's
 * (verified on 5.3.6, 5.6.2, 5.7.0: two conf.update calls, one old and one new, raise ImproperlyConfigured).
 * A rename is applied to a whole group or not at all.
 */
export function renameGroups(sources: ConfigSource[]): ConfigSource[][] {
  const groups = new Map<string, ConfigSource[]>();
  for (const s of sources) {
    if (s.kind === 'celery-ctor') continue;
    const side = s.kind === 'conf-update' || s.kind === 'conf-attr' || s.kind === 'flask-config' ? 'preconf' : `object:${s.kind === 'django-settings' ? s.id : s.objectRef ?? s.file}`;
    const key = `${s.appId ?? `file:${s.file}`}|${side}`;
    const g = groups.get(key) ?? [];
    g.push(s);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function settingRenames(model: ProjectModel, k: Knowledge, target: ReleaseFacts, pending: Map<string, PendingFileEdit>, manual: ManualEdit[]): void {
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  const targetSettings = new Set(target.settings);
  for (const group of renameGroups(model.configSources)) {
    const planned: SourceRenames[] = [];
    const blocked: string[] = [];
    for (const source of group) {
      const text = textOf.get(source.file);
      if (text === undefined) {
        blocked.push(`${source.file} was not read`);
        continue;
      }
      const r = sourceRenames(model, k, target, source, text, manual);
      if (r.olds.length === 0) continue;
      planned.push(r);
      blocked.push(...r.blocked);
    }
    const olds = planned.flatMap((r) => r.olds.map((o) => ({ ...o, file: o.a.keyLoc.file })));
    if (olds.length === 0) continue;
    // settings jobctl could not read that Celery checks with these (conf.update(<built at run time>), a Flask
    // config loaded from a file or env var): renaming the visible keys could leave a mixed config
    const appId = group[0]!.appId;
    const preconf = group.every((g) => g.kind === 'conf-update' || g.kind === 'conf-attr' || g.kind === 'flask-config');
    if (preconf) {
      for (const u of model.unread.filter((x) => (x.holds === undefined || x.holds === 'config') && (appId ? x.appId === appId : x.file === group[0]!.file))) {
        blocked.push(`${u.what} (${u.file}${u.loc ? `:${u.loc.line}` : ''}) could not be read (${u.reason}); Celery checks its keys together with these`);
      }
    }
    const django = planned.filter((r) => r.source.kind === 'django-settings' || r.source.isDjangoConfSettings);
    for (const r of django) {
      if (r.olds.length === 0) continue;
      // Django only exposes upper-case settings; lowercase names would be dropped
      manual.push({
        file: r.olds[0]!.a.keyLoc.file, line: r.olds[0]!.a.keyLoc.line, title: 'Old-style Celery keys in Django settings without a namespace',
        why: `Django settings are read in upper case only, so these ${r.olds.length} key(s) cannot be renamed to lowercase names in place. Celery suppresses the deprecation warnings for 'django.conf:settings' but will stop reading the old names in 6.0.`,
        suggestion: `call \`config_from_object('django.conf:settings', namespace='CELERY')\` and rename every Celery key to CELERY_<NEW_NAME_UPPER> (e.g. ${r.olds.filter((o) => o.a.name !== `CELERY_${o.newName.toUpperCase()}`).slice(0, 2).map((o) => `\`${o.a.name}\` -> \`CELERY_${o.newName.toUpperCase()}\``).join(', ')}) in one change`,
      });
    }
    if (django.length > 0) continue;
    const flask = planned.filter((r) => r.source.kind === 'flask-config' && r.olds.length > 0);
    if (flask.length > 0) {
      // Flask's app.config keeps UPPER-CASE names only: lowercase names written there would be dropped
      const first = flask[0]!;
      const inFlask = flask.flatMap((r) => r.olds);
      const others = planned.filter((r) => !flask.includes(r)).flatMap((r) => r.olds.map((o) => `\`${o.a.name}\` -> \`${o.newName}\` (${o.a.keyLoc.file}:${o.a.keyLoc.line})`));
      manual.push({
        file: first.olds[0]!.a.keyLoc.file, line: first.olds[0]!.a.keyLoc.line, title: `Old-style Celery keys in a Flask config (${flask.map((r) => r.source.objectRef ?? r.source.file).join(', ')})`,
        why: `These reach Celery through \`conf.update(<flask app>.config)\` (${first.source.loc.file}:${first.source.loc.line}). Flask keeps only UPPER-CASE names in app.config (flask/config.py from_object), so renaming them to lowercase in place would drop them, and renaming only the other keys Celery checks with them gives a mixed config (ImproperlyConfigured).`,
        suggestion: `move them into one dict in the config class, \`CELERY = dict(${inFlask.map((o) => `${o.newName}=...`).join(', ')})\` (from ${inFlask.map((o) => `\`${o.a.name}\``).join(', ')}), pass it with \`celery.conf.update(app.config['CELERY'])\` (Flask's Celery pattern since Flask 2.3)${others.length ? `, and in the same change rename ${others.join(', ')}` : ''}`,
      });
      continue;
    }
    if (blocked.length > 0) {
      // never half-rename: a mixed config does not start
      const first = olds[0]!;
      manual.push({
        file: first.file, line: first.a.keyLoc.line, title: `Old-style keys in ${[...new Set(olds.map((o) => o.file))].join(', ')} need a manual rename`,
        why: `Celery checks these keys together; renaming only some of them produces a mixed config that Celery refuses to load (ImproperlyConfigured). ${blocked.join('; ')}.`,
        suggestion: `rename all of them in one change: ${olds.map((o) => `\`${o.a.name}\` -> \`${o.newName}\` (${o.file}:${o.a.keyLoc.line})`).join(', ')}`,
      });
      continue;
    }
    for (const r of planned) {
      for (const { a, newName } of r.olds) {
        const missing = !targetSettings.has(newName) ? ` (note: \`${newName}\` is not a setting of ${target.version})` : '';
        addTo(pending, r.source.file, 'rename-settings', [], `rename \`${a.name}\` -> \`${newName}\`${missing}`, RENAME_SOURCES);
      }
      const together = planned.length > 1 ? ` together with ${planned.filter((x) => x !== r).map((x) => `${x.source.file}:${x.source.loc.line}`).join(', ')}` : '';
      addTo(pending, r.source.file, 'rename-settings', r.reps, `all ${r.olds.length} old-style key(s) of this config renamed${together} (a mixed config fails with ImproperlyConfigured)`, []);
    }
  }
}

function referencesModule(text: string, source: ConfigSource): boolean {
  const mod = (source.objectRef ?? source.file.replace(/\.py$/, '').replace(/\//g, '.')).split(':')[0]!;
  const last = mod.split('.').pop()!;
  return new RegExp(`\\b(from\\s+[\\w.]*${last}\\s+import|${last}\\.)`).test(text);
}

/** The line of a requirement with its version replaced, as a replacement (an exact pin's version, or
 * a whole range that the target refuses, in its own shape: kombu>=5.3.4,<5.4 -> kombu>=5.6.2,<5.7). */
function pinReplacement(lines: string[], d: Dependency, newVersion: string): TextReplacement | null {
  if (!d.version) return rangeReplacement(lines, d, newVersion);
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

/** A version replacement widened to the requirement's name, with `extras` requested: `kombu==5.4.0` -> `kombu[redis]==5.7.0`. */
function withExtras(lines: string[], d: Dependency, rep: TextReplacement, extras: string[]): TextReplacement | null {
  const line = lines[rep.line - 1]!;
  const nameAt = line.toLowerCase().indexOf(d.rawName.toLowerCase());
  if (nameAt < 0 || nameAt >= rep.column - 1) return null;
  const from = line.slice(nameAt, rep.column - 1 + rep.from.length);
  const head = from.slice(0, rep.column - 1 - nameAt);
  const bracket = /^([^\[]*)\[([^\]]*)\]/.exec(head);
  const merged = bracket
    ? `${bracket[1]}[${[...bracket[2]!.split(',').map((x) => x.trim()).filter(Boolean), ...extras].join(',')}]${head.slice(bracket[0].length)}`
    : `${d.rawName}[${extras.join(',')}]${head.slice(d.rawName.length)}`;
  return { line: rep.line, column: nameAt + 1, from, to: `${merged}${rep.to}` };
}

function rangeReplacement(lines: string[], d: Dependency, newVersion: string): TextReplacement | null {
  const line = lines[d.loc.line - 1];
  if (line === undefined || !d.specifier) return null;
  const m = new RegExp(`${d.rawName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(\\[[^\\]]*\\])?\\s*`, 'i').exec(line);
  if (!m) return null;
  const start = m.index + m[0].length;
  const span = /^[^;#"'\r\n]*/.exec(line.slice(start))![0].trimEnd();
  if (!/^(==|>=|<=|~=|!=|<|>)/.test(span)) return null;
  // the range in the shape the project wrote it (`~=5.2.4` -> `~=5.6.2`), else an exact pin
  const shaped = /poetry|pipfile/.test(d.kind) ? null : rewriteSpecifier(span, newVersion);
  return { line: d.loc.line, column: start + 1, from: span, to: shaped ?? `==${newVersion}` };
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
      const pin = text !== undefined && newVersion ? pinReplacement(text.split('\n'), d, newVersion) : null;
      const rep = pin && row.addExtras?.length ? withExtras(text!.split('\n'), d, pin, row.addExtras) : pin;
      const hashes = text !== undefined ? hashLines(text, d.loc.line) : [];
      if (rep && hashes.length > 0) {
        // the new release's files have other hashes: a version edited alone fails pip's hash check, and dropping
        // the hashes fails hash-checking mode for the whole file; only the new hashes make the line installable
        const line = row.suggestedLine ?? `${d.rawName}==${newVersion}`;
        manual.push({
          file: d.file, line: d.loc.line, title: `Change the hashed \`${d.rawName}\` pin with its hashes`,
          why: `${d.file} is installed in pip's hash-checking mode (\`--hash=\` lines): the ${hashes.length} hash(es) at ${d.file}:${hashes.join(', ')} are those of ${d.rawName} ${d.version ?? d.specifier}; with the version changed and the old hashes kept pip refuses the install ("THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE"), and a line without hashes is refused too ("Hashes are required in --require-hashes mode"; pip docs, Secure installs: hash-checking mode, https://pip.pypa.io/en/stable/topics/secure-installs/).`,
          suggestion: `write \`${line}\` and replace the --hash lines ${hashes.join(', ')} with those of the new release: \`pip download '${d.rawName}==${newVersion}' --no-deps -d /tmp/jobctl-hashes && pip hash /tmp/jobctl-hashes/*\` (or \`hashin '${d.rawName}==${newVersion}' -r ${d.file}\`)`,
        });
        continue;
      }
      if (!rep) {
        manual.push({ file: d.file, line: d.loc.line, title: `Change the \`${d.rawName}\` requirement`, why: `${d.rawName} ${d.specifier || '(unpinned)'} does not allow what Celery needs (${row.targetNeeds ?? 'the target'}).`, suggestion: row.suggestedLine ? `write \`${row.suggestedLine}\`` : `allow ${row.name}${row.targetNeeds ?? ''}` });
        continue;
      }
      addTo(pending, d.file, 'bump-requirement', [rep], `${d.rawName} ${d.version ?? d.specifier} -> ${row.addExtras?.length ? `${d.rawName}[${row.addExtras.join(',')}] ` : ''}${d.version ? newVersion : pin!.to}${row.via ? ` (${row.via})` : ''}${row.addExtras?.length ? `; [${row.addExtras.join(',')}]: ${(row.note?.split('fix: ').pop() ?? 'installs what the target imports').replace(/: installs .*$/, '')}` : ''}`, PIN_SOURCES);
    }
  }
}

/** argv with the 3.1/4.x worker options Celery 5 renamed written the 5.x way (null when none). */
function renameLegacyOptions(argv: string[], legacy: LegacyCli | null): { argv: string[]; removed: string[] } | null {
  if (!legacy) return null;
  let changed = false;
  const removed: string[] = [];
  const out = argv.map((word) => {
    const [opt, ...rest] = word.split('=');
    const to = legacy.renamed[opt!];
    if (to) {
      changed = true;
      return [to, ...rest].join('=');
    }
    if (legacy.removed.includes(opt!)) removed.push(opt!);
    return word;
  });
  return changed || removed.length ? { argv: out, removed } : null;
}

type LegacyCli = NonNullable<ReturnType<typeof legacyCliChanges>>;

function cliReorders(model: ProjectModel, pending: Map<string, PendingFileEdit>, manual: ManualEdit[], legacy: LegacyCli | null): void {
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  for (const w of model.workerCommands) {
    const renamed = renameLegacyOptions(w.argv, legacy);
    if (renamed?.removed.length) {
      manual.push({ file: w.file, line: w.loc.line, title: `Drop ${renamed.removed.map((o) => `\`${o}\``).join(', ')} from the celery command`, why: `Celery 5's worker does not know ${renamed.removed.join(', ')} (${legacy!.source}): the worker exits with "No such option".`, suggestion: `remove ${renamed.removed.map((o) => `\`${o}\``).join(', ')} from \`${w.argv.join(' ')}\`` });
    }
    const reordered = reorderCeleryArgv(renamed?.argv ?? w.argv);
    const fixed = reordered ?? (renamed && renamed.argv.join(' ') !== w.argv.join(' ') ? renamed.argv : null);
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
    if (!rep && line !== undefined && reordered && !renamed) {
      // the command goes on over continuation lines or holds ${VAR} the argv lost: reorder the shortest
      // prefix that holds every moved option, where it stands on the first line
      for (let k = 2; k <= w.argv.length; k++) {
        const head = w.argv.slice(0, k);
        const tail = reorderCeleryArgv(head);
        if (!tail || reorderCeleryArgv([...tail, ...w.argv.slice(k)]) !== null) continue;
        const at = line.indexOf(head.join(' '));
        if (at >= 0) rep = { line: w.loc.line, column: at + 1, from: head.join(' '), to: tail.join(' ') };
        break;
      }
    }
    if (!rep && line !== undefined && !reordered && renamed) {
      // only option names change: replace each token where it stands (the line may hold ${VAR:-x} the argv lost)
      const reps: TextReplacement[] = [];
      for (const [from, to] of Object.entries(legacy!.renamed)) {
        const re = new RegExp(`(^|[\\s"'])(${from.replace(/[-]/g, '\\-')})(?=[=\\s"']|$)`, 'g');
        for (const m of line.matchAll(re)) reps.push({ line: w.loc.line, column: m.index + m[1]!.length + 1, from, to });
      }
      if (reps.length > 0) {
        addTo(pending, w.file, 'reorder-cli', reps, `${reps.map((r) => `\`${r.from}\` -> \`${r.to}\``).join(', ')} (Celery 5: dashed worker option names)`, CLI_SOURCES);
        continue;
      }
    }
    if (!rep) {
      manual.push({ file: w.file, line: w.loc.line, title: reordered ? 'Move Celery global options before the sub-command' : 'Use the Celery 5 names of the worker options', why: 'Celery 5 rejects global options (-A, --app, -b, --workdir, ...) after the sub-command ("No such option").', suggestion: `\`${fixed.join(' ')}\`` });
      continue;
    }
    const why = [reordered ? 'global options before the sub-command' : '', renamed && renamed.argv.join(' ') !== w.argv.join(' ') ? 'dashed worker option names' : ''].filter(Boolean).join('; ');
    addTo(pending, w.file, 'reorder-cli', [rep], `\`${rep.from}\` -> \`${rep.to}\` (Celery 5: ${why})`, CLI_SOURCES);
  }
}

/**
 * The old task API and the argparse command classes are gone in 5.0: each import line that uses them is a
 * manual edit with the line to write (the code around it may need more than the import).
 */
const OLD_API: { re: RegExp; title: string; suggestion: (line: string) => string }[] = [
  { re: /^\s*from\s+celery\s+import\s+.*\btask\b/, title: '`from celery import task` fails in Celery 5 (celery.task removed)', suggestion: (l) => `\`${l.trim().replace(/\btask\b/, 'shared_task')}\` and decorate with \`@shared_task\` (or \`@app.task\`)` },
  { re: /^\s*from\s+celery\.task\.schedules\s+import/, title: '`celery.task.schedules` is gone in Celery 5', suggestion: (l) => `\`${l.trim().replace('celery.task.schedules', 'celery.schedules')}\`` },
  { re: /^\s*from\s+celery\.task\.control\s+import/, title: '`celery.task.control` is gone in Celery 5', suggestion: () => 'use the app\'s control API: `app.control.revoke(...)`, `app.control.inspect()`, ...' },
  { re: /^\s*from\s+celery\.task\s+import\s+(.*)/, title: '`celery.task` is gone in Celery 5', suggestion: (l) => {
    const names = /import\s+\(?([\w\s,]+)/.exec(l)?.[1]?.split(',').map((x) => x.trim()).filter(Boolean) ?? [];
    const plain = names.filter((n) => n === 'Task' || n === 'task' || n === 'shared_task').map((n) => (n === 'task' ? 'shared_task' : n));
    const periodic = names.filter((n) => /periodic/i.test(n));
    return [plain.length ? `\`from celery import ${plain.join(', ')}\`${names.includes('task') ? ' (and `@shared_task` for `@task`)' : ''}` : '', periodic.length ? `move ${periodic.join(', ')} to \`app.conf.beat_schedule\` entries (\`crontab\` from \`celery.schedules\`)` : ''].filter(Boolean).join('; ') || 'import from `celery` instead';
  } },
  { re: /^\s*import\s+celery\.task\b/, title: '`celery.task` is gone in Celery 5', suggestion: () => 'import from `celery` (`Task`, `shared_task`) and `celery.schedules` instead' },
  { re: /^\s*from\s+celery\.decorators\s+import/, title: '`celery.decorators` is gone (removed in 4.0)', suggestion: (l) => `\`${l.trim().replace('celery.decorators', 'celery').replace(/\btask\b/, 'shared_task').replace(/\bperiodic_task\b/, 'shared_task')}\` (periodic tasks go to \`beat_schedule\`)` },
  { re: /^\s*(?:from\s+celery\.bin(?:\.\w+)?\s+import|import\s+celery\.bin)/, title: 'The old command classes of `celery.bin` are gone in Celery 5 (Click)', suggestion: () => "run any sub-command with `app.start(argv)` (e.g. `app.start(['worker', '--loglevel=INFO'])`) or the worker with `app.worker_main(argv=['worker', '--loglevel=INFO'])` -- both exist from 5.0.3 (not in 5.0.0-5.0.2) -- or run the `celery` command" },
  { re: /\.execute_from_commandline\(/, title: '`execute_from_commandline` (the 4.x command classes) is gone in Celery 5', suggestion: (l) => {
    const argv = /execute_from_commandline\(\s*([^)]*)\)?/.exec(l)?.[1]?.trim();
    return `\`app.start(${argv && !argv.startsWith('[') ? argv : 'argv'})\` with the arguments after the program name (Celery.start, 5.0.3+; it takes no program name, unlike execute_from_commandline's argv[0])`;
  } },
];

function oldApiImports(model: ProjectModel, from: ReleaseFacts | undefined, manual: ManualEdit[]): void {
  if (!from || !from.legacy) return;
  for (const f of model.files) {
    if (f.kind !== 'python') continue;
    f.text.split(/\r?\n/).forEach((line, i) => {
      const code = line.replace(/\s+#.*$/, '');
      const hit = OLD_API.find((o) => o.re.test(code));
      if (!hit) return;
      let suggestion = hit.suggestion(code);
      if (/\bimport\b.*\btask\b/.test(code)) {
        // the decorators that use the imported `task`
        const uses = f.text.split(/\r?\n/).flatMap((l, j) => (/^\s*@task\b/.test(l) ? [j + 1] : []));
        if (uses.length) suggestion += `; \`@task\` -> \`@shared_task\` at ${f.file}:${uses.join(', ')}`;
      }
      manual.push({ file: f.file, line: i + 1, title: hit.title, why: 'The module is not in the Celery 5 wheel: the import raises ImportError and the worker does not start (What\'s new in Celery 5.0; 757101358 "Remove the deprecated old tasks API").', suggestion });
    });
  }
}

export function computeEdits(model: ProjectModel, k: Knowledge, target: ReleaseFacts, rows: DependencyRow[], riskOf: (kinds: EditKind[], file: string) => RiskLevel, from?: ReleaseFacts): EditSet {
  const pending = new Map<string, PendingFileEdit>();
  const manualEdits: ManualEdit[] = [];
  settingRenames(model, k, target, pending, manualEdits);
  requirementBumps(model, rows, pending, manualEdits);
  cliReorders(model, pending, manualEdits, from?.legacy ? legacyCliChanges(k, from.version) : null);
  oldApiImports(model, from, manualEdits);
  manualEdits.push(...extensionBumps(model, from, target));
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
