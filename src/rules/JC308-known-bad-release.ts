import type { Rule } from './types.js';
import { knownBadHits, loadKnownBad } from '../deps/known-bad.js';
import { brokerUrls } from './lib/broker.js';

export const rule: Rule = {
  meta: {
    id: 'JC308',
    name: 'known-bad-release',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    title: 'A pin or lock file lands on a release known to break this setup',
    description: `Some releases install cleanly and are not yanked, yet break a particular setup: Celery 5.6.1 with Django (the worker recurses at start, fixed in 5.6.2), Celery 5.6 with billiard 4.3 on macOS (every prefork task fails), kombu 5.5.x with SQS (urllib3 instead of pycurl; workers stop consuming), kombu 5.5+ when code clones a pooled connection, django-celery-beat 2.8.0 (crontab time zones; yanked), Celery 3.1.12–5.2.0 with pip 24.1+ (invalid metadata \`pytz (>dev)\`, pip ignores the release). The list lives in src/knowledge/data/known-bad.json; every entry names the versions, the setup, the symptom and its public source. Reported when an exact pin or a lock file lands on such a release and the setup applies (Django settings or dependency, the broker URL, the code); a second package an entry needs (billiard for the macOS entry) must be pinned or locked as well. A setup jobctl cannot see (macOS developer machines) is named in the message.`,
    fix: 'Move to the release the message names (the first one with the fix), or apply the workaround it gives.',
    sources: [
      { title: 'Celery 5.6.1 Django recursion, fixed in 5.6.2 (#10045)', ref: 'https://github.com/celery/celery/pull/10045' },
      { title: 'macOS + billiard 4.3 + Celery 5.6.3', ref: 'https://github.com/celery/celery/issues/10683' },
      { title: 'kombu 5.5.0 SQS regression', ref: 'https://github.com/celery/kombu/issues/2258' },
      { title: 'kombu 5.5.0 pooled connection clone', ref: 'https://github.com/celery/kombu/issues/2264' },
      { title: 'django-celery-beat 2.8.0 crontab time zones', ref: 'https://github.com/celery/django-celery-beat/issues/875' },
      { title: 'pip 24.1 drops legacy specifiers', ref: 'https://pip.pypa.io/en/stable/news/#v24-1' },
    ],
  },
  check(ctx) {
    const entries = loadKnownBad();
    const m = ctx.model;
    const django = m.configSources.some((s) => s.kind === 'django-settings') || m.dependencies.some((d) => d.name === 'django');
    const brokerSchemes = [...new Set(brokerUrls(m, ctx.knowledge).map((u) => u.trim().split(':')[0]!.toLowerCase()))];
    for (const hit of knownBadHits(m, { django, brokerSchemes }, entries)) {
      const e = hit.entry;
      const withText = hit.withVersion && e.with ? ` with ${e.with.package} ${hit.withVersion.version} (${hit.withVersion.from})` : '';
      const setup = hit.setup === 'unseen' ? `if ${e.setupText}` : `for ${e.setupText}`;
      const fix = e.fixedIn ? `move to ${e.package}>=${e.fixedIn}` : '';
      ctx.report({
        loc: hit.dep.loc,
        key: `${e.id}:${hit.version}`,
        severity: e.severity,
        message: `${e.package} ${hit.version}${withText} is known to break ${setup}: ${e.symptom} (${e.sources[0]!.ref})`,
        hint: [fix, e.workaround].filter(Boolean).join('; or ') || 'see the source in the message',
      });
    }
  },
};
