// The dependency matrix: for each library Celery pins (kombu, billiard, vine, click, redis-py via the
// redis extra, ...), the project's pin, what the target needs (Requires-Dist of the real wheels, in
// src/knowledge/data), whether the two fit, and the requirement line to write in the file's own format.
import { compare, satisfies, validRange } from '@renovatebot/pep440';
import type { Dependency, ProjectModel } from '../model/types.js';
import type { LoadedKnowledge, ReleaseFacts } from '../knowledge/index.js';
import type { DependencyRow } from './types.js';
import { checkInstall, loadDependencyData, requirementLine, requirementsOf, type InstallCheck } from '../deps/index.js';
import { projectPython } from '../rules/lib/install.js';
import { rewriteSpecifier } from './specifier.js';
import { generatorOf } from './generated.js';
import { usesRedisBroker } from '../rules/lib/broker.js';

/** libraries always shown (Celery's own pins), plus whatever else the target requires that the project lists */
const CORE = ['celery', 'kombu', 'billiard', 'vine', 'click'];

function safe(version: string, spec: string): boolean | null {
  try {
    return satisfies(version, spec);
  } catch {
    return null;
  }
}

function stripMarker(spec: string): string {
  return spec.split(';')[0]!.split('||')[0]!.trim();
}

const generated = new WeakMap<ProjectModel, Map<string, boolean>>();

/** A lock, or a requirements file a tool writes (pip-compile output, `poetry export`/`uv export` of the lock). */
export function isLockFile(d: Dependency, model: ProjectModel): boolean {
  if (d.isLock) return true;
  const byFile = generated.get(model) ?? new Map<string, boolean>();
  generated.set(model, byFile);
  if (!byFile.has(d.file)) byFile.set(d.file, d.kind === 'requirements' && generatorOf(model, d.file) !== null);
  return byFile.get(d.file)!;
}

export { requirementLine } from '../deps/format.js';

interface Need {
  spec: string;
  via: string;
}

/**
 * What the target needs of `name`, read off the resolver's answer: Celery's own Requires-Dist, and for
 * redis-py the path a fresh install really takes -- celery[redis] directly (up to 5.5.2), kombu[redis]
 * of the kombu the resolver picked (5.5.3+), or, without the extra, the redis-py floor the picked
 * kombu's Redis transport checks when the worker connects.
 */
function needOf(k: LoadedKnowledge, t: ReleaseFacts, name: string, check: InstallCheck, celeryExtras: string[], redisBroker: boolean, kombuExtras: string[] = []): Need | null {
  const direct = t.requires[name];
  if (direct !== undefined && direct !== '') return { spec: stripMarker(direct), via: `celery ${t.version} Requires-Dist` };
  if (name !== 'redis' && name !== 'packaging') return null;
  const res = check.resolution;
  const kombuVersion = res.ok ? res.versions.kombu : k.kombuFor(t.version)?.version;
  const kombu = kombuVersion ? k.kombuReleases.find((r) => r.version === kombuVersion) : undefined;
  const extra = t.extras.redis ?? {};
  if (name === 'packaging') {
    // kombu 5.7.0[redis] pins `packaging==26.3` (its METADATA): binding when the redis extra is requested,
    // by the project (kombu[redis], celery[redis] whose extra is kombu[redis]) or by the resolver's fix
    const spec = kombu?.extras.redis?.packaging;
    const viaCelery = celeryExtras.includes('redis') && 'kombu' in extra;
    const requested = (res.ok && (res.extras.kombu ?? []).includes('redis')) || kombuExtras.includes('redis') || viaCelery;
    return spec && requested ? { spec: stripMarker(spec), via: `${viaCelery ? `celery[redis] ${t.version} -> ` : ''}kombu[redis] ${kombu!.version} Requires-Dist` } : null;
  }
  if (celeryExtras.includes('redis') && extra.redis) return { spec: stripMarker(extra.redis), via: `celery[redis] ${t.version}` };
  const kombuRedis = kombu?.extras.redis?.redis;
  const requested = res.ok && (res.extras.kombu ?? []).includes('redis');
  if (kombu && kombuRedis && (requested || (celeryExtras.includes('redis') && 'kombu' in extra))) {
    return { spec: stripMarker(kombuRedis), via: `kombu[redis] ${kombu.version} (the kombu a fresh install picks)` };
  }
  // the transport's floor binds only when the broker is Redis (redis-py used as a cache is not checked by kombu)
  const floor = kombuVersion && redisBroker ? loadDependencyData(k.dataDir).kombuRedisTransport[kombuVersion]?.minRedis : null;
  if (kombuVersion && floor) return { spec: `>=${floor}`, via: `kombu ${kombuVersion} Redis transport, checked when the worker connects (no [redis] extra requested)` };
  return null;
}

interface Release {
  version: string;
  requiresPython: string | null;
}

/** Every release jobctl has metadata for (kombu from releases.json, Celery's other dependencies from dependencies.json). */
function releasesOf(k: LoadedKnowledge, name: string): Release[] {
  if (name === 'kombu') return k.kombuReleases.map((r) => ({ version: r.version, requiresPython: r.requiresPython }));
  return loadDependencyData(k.dataDir).packages[name] ?? [];
}

const FINAL = /^\d+(\.\d+)*(\.post\d+)?$/;

function rangeFits(d: Dependency, need: string, releases: Release[]): boolean | null {
  const spec = d.pep440 ?? d.specifier;
  const finals = releases.filter((r) => FINAL.test(r.version));
  if (finals.length === 0) return null;
  return finals.some((r) => safe(r.version, spec) === true && safe(r.version, need) === true);
}

/** The newest final release inside `need` that installs on `python` (what a fresh install picks). */
function newestFitting(releases: Release[], need: string, python: string | undefined): string | null {
  const ok = releases.filter((r) => FINAL.test(r.version) && safe(r.version, need) === true && (!python || !r.requiresPython || safe(`${python}.0`, r.requiresPython) !== false));
  return ok.length > 0 ? ok.reduce((a, b) => (compare(b.version, a.version) > 0 ? b : a)).version : null;
}

/** A range requirement rewritten in its own shape to admit `version` (not for Poetry/Pipfile syntax). */
export function shapedRange(d: Dependency, version: string): string | null {
  if (d.version !== null || !d.specifier || /poetry|pipfile/.test(d.kind)) return null;
  return rewriteSpecifier(d.specifier, version);
}

function shapedOr(d: Dependency, version: string): [string, string] {
  const range = shapedRange(d, version);
  return range ? ['', range] : ['==', version];
}

function lockNote(model: ProjectModel, file: string): string {
  const g = generatorOf(model, file);
  if (!g) return 'lock file: regenerate it after bumping the manifest (do not edit by hand)';
  const from = g.lock ? `exported from ${g.lock}` : `written by ${g.tool}`;
  return `${from}${g.hashed ? ', with hashes (a pin edited by hand fails pip\'s hash check)' : ''}: regenerate it${g.command ? ` (\`${g.command}\`)` : ''}, do not edit it`;
}

export function dependencyMatrix(model: ProjectModel, k: LoadedKnowledge, target: ReleaseFacts, python: string | undefined, usesRedis: boolean): DependencyRow[] {
  // the one resolver: what a fresh install of the manifests with the target Celery gets, and whether it runs
  // the Python a fresh install runs on (the newest the project allows), not the lowest: kombu 5.7 needs >= 3.10
  void python;
  // the broker as the audit sees it (JC306): kombu's Redis transport is loaded for a Redis broker only, not for a Redis result backend
  const redisBroker = usesRedisBroker(model, k);
  const check = checkInstall(requirementsOf(model, { celery: target.version }), { python: projectPython(model).python, usesRedis: redisBroker }, k);
  const celeryExtras = [...new Set(model.dependencies.filter((d) => d.name === 'celery' && !d.isLock).flatMap((d) => d.extras))];
  const kombuExtras = [...new Set(model.dependencies.filter((d) => d.name === 'kombu' && !d.isLock).flatMap((d) => d.extras))];
  const needFor = (name: string): Need | null => needOf(k, target, name, check, celeryExtras, redisBroker, kombuExtras);
  const failedAt = new Set(!check.resolution.ok ? (check.resolution.failure?.constraints ?? []).flatMap((c) => (c.where ? [c.where] : [])) : []);
  const trapNote = check.traps.filter((t) => t.certain).map((t) => t.symptom).join('; ');
  const names = new Set(CORE);
  if (usesRedis || model.dependencies.some((d) => d.name === 'redis')) names.add('redis');
  for (const d of model.dependencies) if (d.name in target.requires) names.add(d.name);
  // amqp is kombu's, not Celery's: a pin of the 4.x line (amqp 2.x) blocks the kombu 5 that Celery 5 needs
  if (model.dependencies.some((d) => d.name === 'amqp')) names.add('amqp');
  // packaging: pinned by kombu 5.7's redis extra, shown when the project pins it too (a full freeze)
  if (model.dependencies.some((d) => d.name === 'packaging')) names.add('packaging');
  const viaKombu = (name: string): Need | null => {
    if (name !== 'amqp') return null;
    const kombu = k.kombuFor(target.version, python);
    const spec = kombu?.requires.amqp?.split(';')[0]!.trim();
    return kombu && spec ? { spec, via: `kombu ${kombu.version} Requires-Dist (the kombu a fresh install picks)` } : null;
  };
  const rows: DependencyRow[] = [];
  for (const name of names) {
    const deps = model.dependencies.filter((d) => d.name === name);
    const manifests = deps.filter((d) => !isLockFile(d, model));
    const locks = deps.filter((d) => isLockFile(d, model));
    // a requirement the dependency fix adds to the manifest, where it does not list the library (or only its lock does)
    const addToManifest = manifests.length === 0 ? check.fix?.edits.find((e) => e.name === name && e.action === 'add') : undefined;
    if (addToManifest) {
      const need = needFor(name) ?? viaKombu(name);
      rows.push({
        name, currentSpecifier: null, currentVersion: null, where: null, isLock: false, targetNeeds: need?.spec ?? null, via: need?.via ?? null,
        status: 'not-listed', suggestedLine: addToManifest.line, suggestedVersion: null, note: `add it: ${check.fix!.summary} (otherwise: ${trapNote})`,
      });
    }
    if (deps.length === 0) {
      if (addToManifest) continue;
      const need = needFor(name) ?? viaKombu(name);
      if (name === 'celery' || need) {
        rows.push({
          name, currentSpecifier: null, currentVersion: null, where: null, isLock: false,
          targetNeeds: name === 'celery' ? `==${target.version}` : need!.spec, via: name === 'celery' ? null : need!.via,
          status: 'not-listed', suggestedLine: name === 'celery' ? `celery==${target.version}` : null, suggestedVersion: name === 'celery' ? target.version : null,
          note: name === 'celery' ? 'no requirement names celery; add one so installs are reproducible' : 'not listed by the project: pip resolves it from the Celery pin',
        });
      }
      continue;
    }
    for (const d of [...manifests, ...locks]) {
      const lock = isLockFile(d, model);
      const where = `${d.file}:${d.loc.line}`;
      if (name === 'celery') {
        let status: DependencyRow['status'];
        if (d.specifier === '' && d.version === null) status = 'not-pinned';
        else if (d.version !== null) status = d.version === target.version ? 'fine' : lock ? 'regenerate-lock' : 'bump';
        else status = safe(target.version, d.pep440 ?? d.specifier) === true ? 'fine' : 'bump';
        // a range is moved in its own shape (`>=5.2,<5.3` -> `>=5.6.3,<5.7`); an exact pin to the target
        const range = status === 'bump' && d.version === null ? shapedRange(d, target.version) : null;
        rows.push({
          name, currentSpecifier: d.specifier, currentVersion: d.version, where, isLock: lock, targetNeeds: `==${target.version}`, via: null, status,
          suggestedLine: range ? requirementLine(d, name, '', range) : status === 'bump' || status === 'not-pinned' ? requirementLine(d, name, '==', target.version) : null,
          suggestedVersion: status === 'bump' && (d.version !== null || range) ? target.version : null,
          ...(status === 'not-pinned' ? { note: 'unpinned: every deploy may install a different Celery' } : {}),
          ...(lock && status === 'regenerate-lock' ? { note: lockNote(model, d.file) } : {}),
        });
        continue;
      }
      const needed = needFor(name) ?? viaKombu(name);
      // a requirement that is not valid PEP 440 (celery 5.0's `pytz>dev`) constrains nothing jobctl can check
      const need = needed && !validRange(needed.spec) ? null : needed;
      const fixEdit = lock ? undefined : check.fix?.edits.find((e) => e.name === name && e.where === where);
      if (fixEdit) {
        const exact = /^==\s*([^,;\s]+)$/.exec(fixEdit.pep508.slice(fixEdit.pep508.search(/[=<>!~]/)));
        rows.push({
          name, currentSpecifier: d.specifier, currentVersion: d.version, where, isLock: false, targetNeeds: need?.spec ?? null, via: need?.via ?? null,
          status: 'conflict', suggestedLine: fixEdit.line, suggestedVersion: d.version && exact ? exact[1]! : null,
          note: `installs, but the worker fails: ${trapNote}; fix: ${check.fix!.summary}`,
        });
        continue;
      }
      if (!need && !failedAt.has(where)) continue;
      // a range fits when some release of the library is inside both it and what the target needs
      // (`billiard>=3.6.4,<4.0` against `>=4.2.1,<5.0` does not; redis' need is the transport's, checked by JC302)
      const fits = d.version && need ? safe(d.version, need.spec) : need && d.specifier && name !== 'redis' ? rangeFits(d, need.spec, releasesOf(k, name)) : null;
      let status: DependencyRow['status'];
      if (failedAt.has(where) || fits === false) status = lock ? 'regenerate-lock' : 'conflict';
      else if (d.version === null) status = d.specifier ? 'fine' : 'not-pinned';
      else status = 'fine';
      // for kombu, the release a fresh install resolves to is known; other libraries get the range
      const kombu = name === 'kombu' ? k.kombuFor(target.version, python) : null;
      const suggestedVersion = status !== 'conflict' ? null : kombu ? kombu.version : need && name !== 'redis' ? newestFitting(releasesOf(k, name), need.spec, python) : null;
      rows.push({
        name, currentSpecifier: d.specifier, currentVersion: d.version, where, isLock: lock, targetNeeds: need?.spec ?? null, via: need?.via ?? null, status,
        suggestedLine: status === 'conflict' ? (suggestedVersion ? requirementLine(d, name, ...shapedOr(d, suggestedVersion)) : need ? requirementLine(d, name, '', need.spec) : null) : null,
        suggestedVersion,
        ...(status === 'regenerate-lock' ? { note: lockNote(model, d.file) } : {}),
      });
    }
  }
  if (!check.resolution.ok) plannedFix(rows, model, k, target, check, redisBroker);
  return rows;
}

const EXTRAS = /^\s*["']?[A-Za-z0-9._-]+\s*\[([^\]]*)\]/;

/**
 * The pins as the plan writes them, checked once more. While the project's old kombu pin kept the
 * target from resolving, the first check could not see what the moved kombu needs: kombu 5.7's Redis
 * transport imports `packaging`, which only its [redis] extra installs (src/deps/fix.ts). The
 * resolver's fix for the planned set (checked to resolve and run) becomes the plan's own edit.
 */
function plannedFix(rows: DependencyRow[], model: ProjectModel, k: LoadedKnowledge, target: ReleaseFacts, first: InstallCheck, redisBroker: boolean): void {
  const moving = rows.filter((r) => !r.isLock && r.name !== 'celery' && r.where && r.suggestedVersion && (r.status === 'conflict' || r.status === 'bump'));
  if (moving.length === 0) return;
  const planned = requirementsOf(model, { celery: target.version }).map((r) => {
    const row = moving.find((x) => x.where === r.where && x.name === r.name);
    return row ? { ...r, specifier: `==${row.suggestedVersion}` } : r;
  });
  const again = checkInstall(planned, { python: projectPython(model).python, usesRedis: redisBroker }, k);
  if (!again.fix) return;
  const trapNote = again.traps.filter((t) => t.certain).map((t) => t.symptom).join('; ');
  for (const e of again.fix.edits) {
    const row = e.action === 'replace' ? rows.find((r) => r.where === e.where && r.name === e.name && !r.isLock) : undefined;
    if (row) {
      const before = planned.find((r) => r.where === e.where);
      const extras = (EXTRAS.exec(e.pep508)?.[1] ?? '').split(',').map((x) => x.trim()).filter((x) => x && !(before?.extras ?? []).includes(x));
      const exact = /^==\s*([^,;\s]+)$/.exec(e.pep508.slice(e.pep508.search(/[=<>!~]/)));
      row.status = 'conflict';
      row.suggestedLine = e.line;
      if (row.currentVersion && exact) row.suggestedVersion = exact[1]!;
      if (extras.length) row.addExtras = extras;
      const picked = again.resolution.ok ? again.resolution.versions.kombu : undefined;
      const kombuRedis = row.name === 'kombu' && extras.includes('redis') ? k.kombuReleases.find((r) => r.version === picked)?.extras.redis?.redis : undefined;
      const redisRow = kombuRedis ? rows.find((r) => r.name === 'redis' && !r.isLock && r.where) : undefined;
      if (redisRow && kombuRedis) Object.assign(redisRow, { targetNeeds: stripMarker(kombuRedis), via: `kombu[redis] ${picked}, the extra the plan requests` });
      row.note = `${row.note ? `${row.note}; ` : ''}with the plan's pins the worker would fail (${trapNote}); fix: ${again.fix.summary}`;
    } else if (e.action === 'add' && !rows.some((r) => r.name === e.name && !r.isLock && r.where)) {
      const old = rows.findIndex((r) => r.name === e.name && r.where === null);
      const row: DependencyRow = {
        name: e.name, currentSpecifier: null, currentVersion: null, where: null, isLock: false, targetNeeds: null, via: null,
        status: 'not-listed', suggestedLine: e.line, suggestedVersion: null, note: `add it: ${again.fix.summary} (otherwise: ${trapNote})`,
      };
      if (old >= 0) rows[old] = row;
      else rows.push(row);
    }
  }
}
