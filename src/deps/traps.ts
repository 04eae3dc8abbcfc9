// Sets that install but do not run: kombu's Redis transport checks redis-py's version and imports
// modules of its own when the worker connects (facts read from each kombu wheel by the generator).
import { compare } from '@renovatebot/pep440';
import type { DependencyData, Resolution, Trap } from './types.js';

export function trapsOf(res: Resolution, usesRedis: boolean, data: DependencyData): Trap[] {
  if (!res.ok || !usesRedis) return [];
  const kombu = res.versions.kombu;
  const t = kombu ? data.kombuRedisTransport[kombu] : undefined;
  if (!kombu || !t) return [];
  const out: Trap[] = [];
  const redis = res.versions.redis;
  if (t.minRedis && redis && compare(redis, t.minRedis) < 0) {
    out.push({
      id: 'redis-transport-refuses-redis-py',
      message: `kombu ${kombu}'s Redis transport refuses redis-py ${redis} (it needs ${t.minRedis} or later): the worker fails at its first broker connection`,
      symptom: `kombu.exceptions.VersionMismatch: Redis transport requires redis-py versions ${t.minRedis} or later. You have ${redis}`,
      certain: true,
      source: `kombu@v${kombu}:kombu/transport/redis.py${t.minRedisLine ? `:${t.minRedisLine}` : ''}`,
    });
  }
  for (const mod of t.imports) {
    if (res.versions[mod]) continue;
    out.push({
      id: 'redis-transport-import-missing',
      message: `kombu ${kombu}'s Redis transport imports \`${mod}\`, which kombu installs only with its [redis] extra${res.complete ? '' : ' (unless another of your requirements installs it)'}`,
      symptom: `ModuleNotFoundError: No module named '${mod}'`,
      certain: res.complete,
      source: `kombu@v${kombu}:kombu/transport/redis.py (module-level import)`,
    });
  }
  return out;
}
