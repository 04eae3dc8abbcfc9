import { parse as parseSpecifier } from '@renovatebot/pep440/lib/specifier.js';
import type { Rule } from './types.js';
import { compareVersions, highestPython, lowestPython } from './lib/versions.js';
import { usesRedisBroker } from './lib/broker.js';

/** the version a `<X` / `<=X` clause caps a spec at, or null */
function upperBound(spec: string): string | null {
  try {
    const caps = (parseSpecifier(spec) ?? []).filter((c) => c.operator === '<' || c.operator === '<=').map((c) => c.version);
    return caps.sort(compareVersions)[0] ?? null;
  } catch {
    return null;
  }
}

function lowerBound(spec: string): string | null {
  try {
    const lows = (parseSpecifier(spec) ?? []).filter((c) => c.operator === '>=' || c.operator === '>').map((c) => c.version);
    return lows.sort(compareVersions).at(-1) ?? null;
  } catch {
    return null;
  }
}

/** `kombu>=<Celery's own lower bound>,<next minor of this Celery>`: kombu 5.3.x for Celery 5.3.x, etc. */
function kombuLinePin(release: { version: string; requires: Record<string, string> }): string {
  const low = release.requires.kombu ? lowerBound(release.requires.kombu.split(';')[0]!) : null;
  const [major, minor] = release.version.split('.').map(Number);
  return `kombu${low ? `>=${low},` : ''}<${major}.${(minor ?? 0) + 1}`;
}

export const rule: Rule = {
  meta: {
    id: 'JC306',
    name: 'fresh-install-kombu-redis-mismatch',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    title: 'A fresh install of this Celery pin gets a kombu whose Redis transport refuses the redis-py Celery caps',
    description: `Celery pins kombu with a wide range (5.3.x–5.4.0: \`kombu<6.0\`), so installing an old Celery today — a new image, a new laptop, CI without a lock file — takes the newest kombu. kombu 5.7.0 (Python ≥ 3.10) refuses redis-py older than 6.1.0 when the Redis transport opens a channel (\`VersionMismatch: Redis transport requires redis-py versions 6.1.0 or later\`), while \`celery[redis]\` of those releases caps redis-py below 6 (5.3.4: \`redis<5.0.0\`; 5.3.5–5.4.0: \`redis<6.0.0\`). pip installs that combination without complaint (kombu does not constrain redis-py unless its own \`[redis]\` extra is requested), and the worker fails at its first broker connection. kombu 5.7.0's Redis transport also imports \`packaging\`, which kombu declares only in its own \`[redis]\` extra (kombu-5.7.0 METADATA): unless another package pulls it in, the worker fails even earlier with \`ModuleNotFoundError: No module named 'packaging'\`. Reproduced with \`pip install "celery[redis]==5.3.4"\` → kombu 5.7.0 + redis 4.6.0 (docs/evidence/celery-5.3.4-fresh-install-kombu-5.7.txt). Reported when the project pins Celery exactly, uses a Redis broker, and pins neither kombu nor redis-py itself (no lock file that does).`,
    fix: 'Pin kombu to the line your Celery was released with (e.g. `kombu>=5.3.4,<5.4` for 5.3.x), commit a lock file, or upgrade Celery (5.5.3+ asks for `kombu[redis]`, which keeps the two consistent).',
    sources: [
      { title: 'kombu 5.7.0 Redis transport: VersionMismatch below redis-py 6.1.0', ref: 'kombu@v5.7.0:kombu/transport/redis.py (Channel._get_client)' },
      { title: 'Requires-Dist of celery and the [redis] extras of celery/kombu (wheel METADATA)', ref: 'src/knowledge/data/releases.json (scripts/gen-release-data.py)' },
      { title: 'Reproduction on a fresh venv', ref: 'docs/evidence/celery-5.3.4-fresh-install-kombu-5.7.txt' },
    ],
  },
  check(ctx) {
    const deps = ctx.model.dependencies;
    if (deps.some((d) => (d.name === 'kombu' || d.name === 'redis') && (d.version || d.isLock || d.specifier))) return;
    if (deps.some((d) => d.name === 'celery' && d.isLock)) return;
    if (!usesRedisBroker(ctx.model, ctx.knowledge)) return;
    const python = (highestPython(ctx.model.pythonVersions) ?? lowestPython(ctx.model.pythonVersions))?.minor;
    for (const d of deps) {
      if (d.name !== 'celery' || !d.version || d.isLock) continue;
      const release = ctx.knowledge.releases.find((r) => r.version === d.version);
      const redisSpec = release?.extras.redis?.redis;
      if (!release || !redisSpec) continue; // 5.5.3+ goes through kombu[redis]: consistent by construction
      const kombu = ctx.knowledge.kombuFor?.(release.version, python ? `${python}.0` : undefined);
      const kombuRedis = kombu?.extras.redis?.redis;
      if (!kombu || !kombuRedis) continue;
      const cap = upperBound(redisSpec.split(';')[0]!);
      const need = lowerBound(kombuRedis.split(';')[0]!);
      if (!cap || !need || compareVersions(cap, need) > 0) continue;
      ctx.report({
        loc: d.loc, key: `${d.version}:${kombu.version}`,
        message: `a fresh install of celery==${d.version} takes kombu ${kombu.version}${python ? ` (on Python ${python})` : ''}, whose Redis transport needs redis-py ${need.startsWith('6.4') ? '>= 6.1 (its [redis] extra asks >= 6.4)' : `>= ${need}`}, but celery[redis] ${d.version} caps redis-py below ${cap}: the worker fails at its first broker connection (kombu VersionMismatch)`,
        hint: `pin kombu to the line this Celery was released with: \`${kombuLinePin(release)}\`, commit a lock file, or upgrade Celery to 5.5.3+`,
      });
    }
  },
};
