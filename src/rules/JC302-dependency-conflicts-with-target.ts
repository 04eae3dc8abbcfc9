import type { Rule } from './types.js';
import { safeSatisfies } from './lib/versions.js';
import { installCheck, projectPython } from './lib/install.js';
import { checkInstall, requirementsOf } from '../deps/index.js';
import { usesRedisBroker } from './lib/broker.js';
import type { LoadedKnowledge } from '../knowledge/index.js';

/** at most this many conflicting pins are looked for (each found pin is set aside and the rest resolved again) */
const MAX_CONFLICTS = 5;

export const rule: Rule = {
  meta: {
    id: 'JC302',
    name: 'dependency-conflicts-with-target',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    needsTarget: true,
    title: 'A pinned dependency conflicts with what the target Celery requires',
    description: `Celery pins its transport and pool libraries (kombu, billiard, vine, click, amqp) and, through the \`redis\` extra, redis-py (directly up to 5.5.2, through \`kombu[redis]\` from 5.5.3). jobctl resolves the project's production requirements with Celery replaced by the target, offline and the way pip does (newest candidate first, backtracking: Celery pins kombu with a lower bound only, so a redis-py pin is a conflict only when no kombu release the target allows accepts it). A pin the project wrote that no resolution can satisfy makes the install fail (pip: ResolutionImpossible) or, with \`--no-deps\` installs, run an untested combination. Lock files are not reported here: they are regenerated with the upgrade (see \`jobctl upgrade-plan\`).`,
    fix: 'Relax or bump the pin to the range the message gives (or remove it and let the resolver choose).',
    sources: [
      { title: 'Requires-Dist of each Celery/kombu release (wheel METADATA)', ref: 'https://pypi.org/project/celery/#history' },
      { title: "pip's resolver: backtracking to older candidates", ref: 'https://pip.pypa.io/en/stable/topics/dependency-resolution/' },
    ],
  },
  check(ctx) {
    const t = ctx.target;
    if (!t) return;
    for (const d of ctx.model.dependencies) {
      if (d.isLock || d.name !== 'celery' || !d.specifier) continue;
      const spec = d.pep440 ?? d.specifier;
      if (d.version !== t.version && safeSatisfies(t.version, spec) === false) {
        ctx.report({ loc: d.loc, key: d.name, severity: 'info', message: `celery is pinned to \`${d.specifier}\`, which excludes the target ${t.version}`, hint: `change it to celery==${t.version}` });
      }
    }
    // the resolver, with the target in place of the Celery pin; each conflicting project pin is set aside and the rest resolved again
    let reqs = requirementsOf(ctx.model, { celery: t.version });
    const python = projectPython(ctx.model).python;
    let check = installCheck(ctx.model, ctx.knowledge, { celery: t.version });
    for (let i = 0; i < MAX_CONFLICTS && !check.resolution.ok; i++) {
      const f = check.resolution.failure;
      if (!f || f.name === 'celery') return; // no Celery for this Python: JC301's finding
      const mine = f.constraints.filter((c) => c.where && reqs.some((r) => r.where === c.where && r.name !== 'celery'));
      const theirs = f.constraints.filter((c) => !mine.includes(c) && c.spec !== '');
      if (mine.length === 0) return;
      for (const c of mine) {
        const r = reqs.find((x) => x.where === c.where)!;
        const d = r.source;
        if (!d) continue;
        const need = theirs.map((x) => `${f.name}${x.spec} (${x.from})`).join(' and ');
        ctx.report({
          loc: d.loc, key: d.name,
          message: `${d.rawName}${d.specifier} conflicts with Celery ${t.version}: no ${f.name} release fits it and ${need || 'the other pins'}`,
          hint: theirs.length ? `use ${f.name}${theirs.map((x) => x.spec).filter(Boolean).join(',')}` : 'remove the pin and let the resolver choose',
        });
      }
      reqs = reqs.filter((r) => !mine.some((c) => c.where === r.where));
      check = checkInstall(reqs, { python, usesRedis: usesRedisBroker(ctx.model, ctx.knowledge) }, ctx.knowledge as LoadedKnowledge);
    }
  },
};
