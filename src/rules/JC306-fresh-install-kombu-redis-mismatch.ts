import type { Rule } from './types.js';
import { installCheck, projectPython } from './lib/install.js';
import { usesRedisBroker } from './lib/broker.js';
import { lowestPython, safeSatisfies } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC306',
    name: 'fresh-install-kombu-redis-mismatch',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    title: "A fresh install of the project's requirements gets a kombu whose Redis transport refuses the redis-py installed with it",
    description: `Celery pins kombu with a wide range (5.3.x–5.4.0: \`kombu<6.0\`; 5.6.x: \`kombu>=5.6.0\`), so installing the requirements today — a new image, a new laptop, CI without a lock file — takes the newest kombu the Python allows. kombu 5.7.0 (Python ≥ 3.10) refuses redis-py older than 6.1.0 when the Redis transport opens a channel (\`kombu.exceptions.VersionMismatch: Redis transport requires redis-py versions 6.1.0 or later\`). pip installs such a set without complaint: kombu constrains redis-py only when its own \`[redis]\` extra is requested (Celery 5.5.3+ \`celery[redis]\` does, and then pip backtracks to a kombu that accepts the pin; \`celery[redis]\` 5.3–5.4 pins redis-py itself, below 6, and does not). So \`celery==5.4.0\` with \`redis==5.0.1\` (or \`redis~=5.2.0\`), \`celery[redis]==5.3.4\` alone, or \`celery==5.6.3\` with \`redis==5.0.1\` and no extra, all install kombu 5.7.0 and a redis-py it refuses: the worker fails at its first broker connection. kombu 5.7.0's Redis transport also imports \`packaging\`, which kombu declares only in its \`[redis]\` extra; without it the worker fails even earlier (\`ModuleNotFoundError: No module named 'packaging'\`) unless another package installs it. jobctl resolves the requirements offline, like pip, from the published wheels' metadata (Requires-Dist with extras and markers, Requires-Python), and reads the transport's redis-py floor and imports from each kombu wheel. Reported when the project's broker is Redis and a resolved set trips one of these checks; the Python is the project's (Dockerfile, .python-version, requires-python), 3.12 when it does not say.`,
    fix: "Where Celery's own redis extra caps redis-py below the floor, pin kombu to the line below (`kombu<5.7`); otherwise bump redis-py to a release the transport accepts and request `kombu[redis]` (it installs `packaging`). Or commit a lock file. The message gives the exact lines, checked to resolve and to leave no trap.",
    sources: [
      { title: 'kombu 5.7.0 Redis transport: VersionMismatch below redis-py 6.1.0, `from packaging.version import Version`', ref: 'kombu@v5.7.0:kombu/transport/redis.py' },
      { title: 'kombu 5.7.0 METADATA: redis extra = redis>=6.4.0,<9.0.0 and packaging', ref: 'https://pypi.org/project/kombu/5.7.0/' },
      { title: 'celery 5.4.0 METADATA: kombu<6.0,>=5.3.4; redis extra = redis!=4.5.5,<6.0.0,>=4.5.2', ref: 'https://pypi.org/project/celery/5.4.0/' },
      { title: 'Reproduction on a fresh venv', ref: 'docs/evidence/celery-5.3.4-fresh-install-kombu-5.7.txt' },
      { title: 'pip resolutions of the fixtures, offline and with pip', ref: 'docs/evidence/fresh-install-traps.txt' },
    ],
  },
  check(ctx) {
    if (!ctx.model.dependencies.some((d) => d.name === 'celery')) return;
    if (!usesRedisBroker(ctx.model, ctx.knowledge)) return;
    const check = installCheck(ctx.model, ctx.knowledge, { installed: true });
    const res = check.resolution;
    if (!res.ok) return;
    const refuses = check.traps.find((t) => t.id === 'redis-transport-refuses-redis-py');
    // the missing import alone is reported only when the whole install set is known
    const missing = check.traps.find((t) => t.id === 'redis-transport-import-missing' && t.certain);
    const trap = refuses ?? missing;
    if (!trap) return;
    const deps = ctx.model.dependencies;
    const redisPin = deps.find((d) => d.name === 'redis' && `${d.file}:${d.loc.line}` === (check.fix?.edits.find((e) => e.name === 'redis')?.where ?? '')) ?? deps.find((d) => d.name === 'redis' && !d.isLock);
    const celery = deps.find((d) => d.name === 'celery' && !d.isLock) ?? deps.find((d) => d.name === 'celery')!;
    const at = refuses && redisPin ? redisPin : celery;
    const py = projectPython(ctx.model);
    const low = lowestPython(ctx.model.pythonVersions)?.minor;
    const kombuPython = ctx.knowledge.kombuReleases?.find((r) => r.version === res.versions.kombu)?.requiresPython ?? null;
    const onPython = py.known
      ? ` on Python ${py.python}`
      : low && (!kombuPython || safeSatisfies(`${low}.0`, kombuPython))
        ? ` on Python ${low} or newer (what the project allows)`
        : ` on Python ≥ 3.10 (the project does not say which${kombuPython ? `; kombu ${res.versions.kombu} needs ${kombuPython}` : ''})`;
    const extra = refuses && missing ? `; its transport also imports \`packaging\`, not installed` : '';
    const fix = check.fix;
    ctx.report({
      loc: at.loc,
      key: `${res.versions.celery}:${res.versions.kombu}:${res.versions.redis ?? ''}:${trap.id}`,
      message: `a fresh install of these requirements${onPython} gets celery ${res.versions.celery} + kombu ${res.versions.kombu} + redis-py ${res.versions.redis ?? '(none)'}: ${trap.message}${extra} — the worker stops with \`${trap.symptom}\``,
      hint: fix ? `${fix.edits.map((e) => (e.action === 'add' ? `add \`${e.line}\`${e.file ? ` to ${e.file}` : ''}` : `change ${e.where} to \`${e.line}\``)).join(' and ')} — ${fix.summary}; or commit a lock file` : 'commit a lock file that pins kombu and redis-py to a pair that runs, or upgrade Celery',
    });
  },
};
