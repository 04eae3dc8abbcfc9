// What a Celery release requires of a dependency, including redis-py through the redis extra
// (celery[redis] pins redis-py directly up to 5.5.2, then through kombu[redis] from 5.5.3). Celery
// pins kombu with a lower bound only, so a resolver may pick any kombu release in that range: a
// redis-py pin conflicts only when NO such kombu release accepts it (pip backtracks to an older
// kombu otherwise — verified with pip's resolver; see the JC302 docs).
import type { Knowledge, ReleaseFacts } from '../../knowledge/types.js';
import { safeSatisfies } from './versions.js';

export interface TargetRequirement {
  /** the requirement of the release a fresh install picks (newest allowed) */
  spec: string;
  via: string;
  /** every distinct spec an allowed resolution may impose (a pin must satisfy at least one) */
  alternatives: { spec: string; via: string }[];
}

export function targetRequirement(k: Knowledge, t: ReleaseFacts, name: string, python?: string): TargetRequirement | null {
  const direct = t.requires[name];
  if (direct) {
    const spec = stripMarker(direct);
    return { spec, via: `celery ${t.version} Requires-Dist`, alternatives: [{ spec, via: `celery ${t.version} Requires-Dist` }] };
  }
  if (name === 'redis') {
    const redisExtra = t.extras.redis ?? {};
    if (redisExtra.redis) {
      const spec = stripMarker(redisExtra.redis);
      return { spec, via: `celery[redis] ${t.version}`, alternatives: [{ spec, via: `celery[redis] ${t.version}` }] };
    }
    if ('kombu' in redisExtra) {
      const newest = k.kombuFor?.(t.version, python) ?? null;
      const spec = newest?.extras.redis?.redis;
      if (!newest || !spec) return null;
      const pin = stripMarker(t.requires.kombu ?? '');
      const seen = new Set<string>();
      const alternatives: { spec: string; via: string }[] = [];
      for (const kr of k.kombuReleases ?? []) {
        if (kr.yanked || (pin && safeSatisfies(kr.version, pin) === false)) continue;
        if (python && kr.requiresPython && safeSatisfies(python, kr.requiresPython) === false) continue;
        const s = kr.extras.redis?.redis;
        if (!s || seen.has(stripMarker(s))) continue;
        seen.add(stripMarker(s));
        alternatives.push({ spec: stripMarker(s), via: `celery[redis] ${t.version} → kombu[redis] ${kr.version}` });
      }
      return { spec: stripMarker(spec), via: `celery[redis] ${t.version} → kombu[redis] ${newest.version}`, alternatives };
    }
  }
  return null;
}

function stripMarker(spec: string): string {
  return spec.split(';')[0]!.trim();
}
