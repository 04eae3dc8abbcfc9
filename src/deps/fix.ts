// The fix for a fresh-install trap, checked by the resolver itself before it is proposed: the fixed
// requirements must resolve AND leave no trap. Order (the one that keeps the project's own choices):
//   * Celery's own redis extra caps redis-py below the transport's floor -> pin kombu below the
//     trapping line (`kombu<5.7`): the redis-py pin cannot move, kombu can;
//   * otherwise -> bump redis-py to the oldest release line the transport (and kombu[redis]) accepts.
// A kombu whose Redis transport imports a module only its [redis] extra installs (kombu 5.7:
// `packaging`) gets that extra requested when nothing else brings the module.
import { compare, satisfies as satisfiesLoose } from '@renovatebot/pep440';
import { parse as parseSpecifier } from '@renovatebot/pep440/lib/specifier.js';
import type { LoadedKnowledge } from '../knowledge/index.js';
import { pep508Line, requirementLine } from './format.js';
import { normalizeName } from './pep508.js';
import { resolveOffline } from './resolve-offline.js';
import { trapsOf } from './traps.js';
import type { DependencyData, Fix, FixEdit, Requirement, Resolution, Trap } from './types.js';

function upperCap(spec: string): string | null {
  try {
    const caps = (parseSpecifier(spec) ?? []).filter((c) => c.operator === '<' || c.operator === '<=').map((c) => c.version);
    return caps.sort(compare)[0] ?? null;
  } catch {
    return null;
  }
}

function stripMarker(spec: string | undefined): string {
  return (spec ?? '').split(';')[0]!.split('||')[0]!.trim();
}

interface Draft {
  reqs: Requirement[];
  edits: FixEdit[];
}

function edit(draft: Draft, name: string, specifier: string, extras: string[] | null, why: Requirement | null, anchor: Requirement | null): void {
  const existing = draft.reqs.filter((r) => normalizeName(r.name) === name);
  if (existing.length > 0) {
    for (const r of existing) {
      const ex = extras ?? r.extras;
      const next: Requirement = { ...r, specifier, extras: ex };
      draft.reqs[draft.reqs.indexOf(r)] = next;
      const src = r.source ?? null;
      const spec = specifier;
      draft.edits = draft.edits.filter((e) => !(e.name === name && e.where === (r.where ?? null)));
      draft.edits.push({
        name, action: 'replace', file: src?.file ?? null, where: r.where ?? null,
        line: requirementLine(src, r.name, '', src?.kind === 'pyproject-poetry' ? spec.replace(/^==/, '') : spec, ex),
        pep508: pep508Line(r.name, ex, spec, r.marker),
      });
    }
    return;
  }
  const ex = extras ?? [];
  const src = anchor?.source ?? null;
  const fmt = src ? { kind: src.kind, rawName: name, extras: ex, marker: undefined } : null;
  draft.reqs.push({ name, extras: ex, specifier, where: 'added by the fix' });
  draft.edits = draft.edits.filter((e) => !(e.name === name && e.action === 'add'));
  draft.edits.push({ name, action: 'add', file: src?.file ?? null, where: null, line: requirementLine(fmt, name, '', specifier, ex), pep508: pep508Line(name, ex, specifier) });
  void why;
}

function runs(d: Draft, python: string, k: LoadedKnowledge, data: DependencyData): { res: Resolution; traps: Trap[] } {
  const res = resolveOffline(d.reqs, python, k, data);
  return { res, traps: trapsOf(res, true, data) };
}

/** the redis-py specifier to write: same operator family as the project's pin */
function bumpedSpec(old: string, version: string): string {
  if (old.startsWith('~=')) {
    const parts = old.slice(2).split('.').length;
    return `~=${version.split('.').slice(0, Math.max(2, parts)).join('.')}`;
  }
  if (old.startsWith('==') || old === '') return `==${version}`;
  return `>=${version}`;
}

export function proposeFix(reqs: Requirement[], python: string, res: Resolution, traps: Trap[], k: LoadedKnowledge, data: DependencyData): Fix | null {
  if (!res.ok || traps.length === 0) return null;
  const kombu = res.versions.kombu!;
  const floor = data.kombuRedisTransport[kombu]?.minRedis ?? null;
  const celeryReq = reqs.find((r) => normalizeName(r.name) === 'celery') ?? null;
  const celery = res.versions.celery ? k.releases.find((r) => r.version === res.versions.celery) : undefined;
  const celeryExtras = new Set(reqs.filter((r) => normalizeName(r.name) === 'celery').flatMap((r) => r.extras.map(normalizeName)));
  const cap = celeryExtras.has('redis') ? upperCap(stripMarker(celery?.extras.redis?.redis)) : null;
  const capBlocksBump = floor !== null && cap !== null && compare(cap, floor) <= 0;
  const refuses = traps.some((t) => t.id === 'redis-transport-refuses-redis-py');
  const [maj, min] = kombu.split('.');
  const kombuPin = `<${maj}.${min}`;

  const attempts: { kind: Fix['kind']; apply: (d: Draft) => boolean }[] = [];
  const pinKombu = { kind: 'kombu-line-pin' as const, apply: (d: Draft): boolean => (edit(d, 'kombu', kombuPin, null, null, celeryReq), true) };
  const bumpRedis = {
    kind: 'redis-bump' as const,
    apply: (d: Draft): boolean => {
      if (!floor) return false;
      const kombuRedis = stripMarker(k.kombuReleases.find((r) => r.version === kombu)?.extras.redis?.redis) || `>=${floor}`;
      const fitting = (data.packages.redis ?? []).filter((r) => !r.yanked && compare(r.version, floor) >= 0 && safeFits(r.version, kombuRedis) && (!r.requiresPython || safeFits(python.split('.').length > 2 ? python : `${python}.0`, r.requiresPython)));
      if (fitting.length === 0) return false;
      const lowest = fitting[0]!.version;
      const line = lowest.split('.').slice(0, 2).join('.');
      const target = fitting.filter((r) => r.version.startsWith(`${line}.`) || r.version === line).at(-1)!.version;
      const old = reqs.find((r) => normalizeName(r.name) === 'redis');
      edit(d, 'redis', bumpedSpec(old?.specifier ?? '', target), null, null, celeryReq);
      return true;
    },
  };
  if (!refuses) attempts.push({ kind: 'redis-bump', apply: () => true });
  else if (capBlocksBump) attempts.push(pinKombu, bumpRedis);
  else attempts.push(bumpRedis, pinKombu);

  for (const a of attempts) {
    const d: Draft = { reqs: [...reqs], edits: [] };
    if (!a.apply(d)) continue;
    let out = runs(d, python, k, data);
    if (out.res.ok && out.traps.some((t) => t.id === 'redis-transport-import-missing')) {
      // request kombu's [redis] extra, which installs what its transport imports
      const kr = d.reqs.find((r) => normalizeName(r.name) === 'kombu');
      edit(d, 'kombu', kr?.specifier ?? '', [...new Set([...(kr?.extras ?? []), 'redis'])], null, celeryReq);
      out = runs(d, python, k, data);
    }
    if (!out.res.ok || out.traps.length > 0 || d.edits.length === 0) continue;
    const after = out.res.versions;
    const kind = a.kind === 'redis-bump' && !refuses ? 'redis-bump' : a.kind;
    const summary = kind === 'kombu-line-pin'
      ? `${cap && celery ? `celery[redis] ${celery.version} caps redis-py below ${cap}, older than kombu ${kombu}'s Redis transport accepts (${floor}+), so kombu stays below ${maj}.${min}` : `kombu stays below ${maj}.${min}`}: installs kombu ${after.kombu} with redis-py ${after.redis ?? '(unchanged)'}`
      : `${[refuses ? `bump redis-py to ${after.redis}` : '', d.edits.some((e) => e.name === 'kombu') ? 'request kombu[redis] (its Redis transport imports `packaging`, which only that extra installs)' : ''].filter(Boolean).join(' and ')}: installs kombu ${after.kombu} with redis-py ${after.redis ?? '?'}`;
    return { kind, edits: d.edits, summary, requirements: d.reqs.map((r) => pep508Line(r.name, r.extras, r.specifier, r.marker)) };
  }
  return null;
}

function safeFits(v: string, spec: string): boolean {
  try {
    return satisfiesLoose(v, spec);
  } catch {
    return false;
  }
}
