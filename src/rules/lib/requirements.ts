// What a Celery release requires of a dependency, including redis-py through the redis extra
// (celery[redis] pins redis-py directly up to 5.5.2, then through kombu[redis] from 5.5.3).
import type { Knowledge, ReleaseFacts } from '../../knowledge/types.js';

export function targetRequirement(k: Knowledge, t: ReleaseFacts, name: string): { spec: string; via: string } | null {
  const direct = t.requires[name];
  if (direct) return { spec: direct, via: `celery ${t.version} Requires-Dist` };
  if (name === 'redis') {
    const redisExtra = t.extras.redis ?? {};
    if (redisExtra.redis) return { spec: stripMarker(redisExtra.redis), via: `celery[redis] ${t.version}` };
    if (redisExtra.kombu) {
      const kombu = kombuRedisSpec(k, t);
      if (kombu) return { spec: kombu.spec, via: `celery[redis] ${t.version} → kombu[redis] ${kombu.kombuVersion}` };
    }
  }
  return null;
}

function stripMarker(spec: string): string {
  return spec.split(';')[0]!.trim();
}

/** kombu's redis extra for the kombu release line the target's kombu pin resolves to (newest allowed). */
function kombuRedisSpec(k: Knowledge, t: ReleaseFacts): { spec: string; kombuVersion: string } | null {
  const anyK = k as unknown as { kombuFor?: (v: string) => { version: string; extras?: Record<string, Record<string, string>> } | null };
  const kombu = anyK.kombuFor?.(t.version);
  const spec = kombu?.extras?.redis?.redis;
  return kombu && spec ? { spec: stripMarker(spec), kombuVersion: kombu.version } : null;
}
