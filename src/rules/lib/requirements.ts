// What a Celery release requires of a dependency, including redis-py through the redis extra
// (celery[redis] pins redis-py directly up to 5.5.2, then through kombu[redis] from 5.5.3; the kombu
// release a fresh install gets depends on the Python version — see Knowledge.kombuFor).
import type { Knowledge, ReleaseFacts } from '../../knowledge/types.js';

export function targetRequirement(k: Knowledge, t: ReleaseFacts, name: string, python?: string): { spec: string; via: string } | null {
  const direct = t.requires[name];
  if (direct) return { spec: stripMarker(direct), via: `celery ${t.version} Requires-Dist` };
  if (name === 'redis') {
    const redisExtra = t.extras.redis ?? {};
    if (redisExtra.redis) return { spec: stripMarker(redisExtra.redis), via: `celery[redis] ${t.version}` };
    if ('kombu' in redisExtra) {
      const kombu = k.kombuFor?.(t.version, python) ?? null;
      const spec = kombu?.extras.redis?.redis;
      if (kombu && spec) return { spec: stripMarker(spec), via: `celery[redis] ${t.version} → kombu[redis] ${kombu.version}` };
    }
  }
  return null;
}

function stripMarker(spec: string): string {
  return spec.split(';')[0]!.trim();
}
