import type { Rule } from './types.js';
import { safeSatisfies, lowestPython } from './lib/versions.js';
import { targetRequirement } from './lib/requirements.js';

export const rule: Rule = {
  meta: {
    id: 'JC302',
    name: 'dependency-conflicts-with-target',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    needsTarget: true,
    title: 'A pinned dependency conflicts with what the target Celery requires',
    description: `Celery pins its transport and pool libraries (kombu, billiard, vine, click, amqp) and, through the \`redis\` extra, redis-py (via kombu[redis] from 5.5.3; Celery pins kombu with a lower bound only, so a pin is a conflict only when no allowed kombu release accepts it — pip backtracks to an older kombu otherwise). A version the project pins by hand that falls outside the target's requirement makes the install fail (pip: ResolutionImpossible) or, with \`--no-deps\` installs, run an untested combination. Lock files are not reported here: they are regenerated with the upgrade (see \`jobctl upgrade-plan\`).`,
    fix: 'Relax or bump the pin to the range the message gives (or remove it and let the resolver choose).',
    sources: [
      { title: 'Requires-Dist of each Celery/kombu release (wheel METADATA)', ref: 'src/knowledge/data (scripts/gen-release-data.py)' },
      { title: 'Pins per release (Requires-Dist of each wheel, generated)', ref: 'https://pypi.org/project/celery/#history (METADATA; src/knowledge/data/releases.json)' },
    ],
  },
  check(ctx) {
    const t = ctx.target;
    if (!t) return;
    const python = lowestPython(ctx.model.pythonVersions)?.minor;
    for (const d of ctx.model.dependencies) {
      if (d.isLock || !d.version) continue;
      if (d.name === 'celery') {
        if (d.version !== t.version && d.specifier && safeSatisfies(t.version, d.specifier) === false) {
          ctx.report({ loc: d.loc, key: d.name, severity: 'info', message: `celery is pinned to \`${d.specifier}\`, which excludes the target ${t.version}`, hint: `change it to celery==${t.version}` });
        }
        continue;
      }
      const req = targetRequirement(ctx.knowledge, t, d.name, python);
      if (!req) continue;
      // a conflict only when no resolution the target allows accepts the pin (pip backtracks otherwise)
      if (req.alternatives.every((a) => safeSatisfies(d.version!, a.spec) === false)) {
        const which = req.alternatives.length > 1 ? `one of ${req.alternatives.map((a) => `${d.name}${a.spec}`).join(' | ')} (via the kombu releases it allows)` : `${d.name}${req.spec} (${req.via})`;
        ctx.report({ loc: d.loc, key: d.name, message: `${d.rawName} ${d.version} conflicts with Celery ${t.version}, which requires ${which}`, hint: `use ${d.name}${req.spec}` });
      }
    }
  },
};
