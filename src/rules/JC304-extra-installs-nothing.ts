import type { Rule } from './types.js';
import { lowestPython, compareVersions } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC304',
    name: 'extra-installs-nothing',
    band: 'versions',
    severity: 'warning',
    confidence: 'high',
    title: 'A Celery extra that installs nothing for this project',
    description: `Two Celery extras do less than their names promise. \`celery[eventlet]\` is \`eventlet>=0.32.0; python_version<"3.10"\` from 5.2.0 on, so on Python 3.10+ it installs nothing and \`-P eventlet\` fails at start. \`celery[gcpubsub]\` is named in the 5.5 release notes but no released Celery defines it (pip warns "does not provide the extra" and installs nothing); \`kombu[gcpubsub]\` is the extra that exists.`,
    fix: 'Install the package directly (`eventlet`, or `kombu[gcpubsub]`).',
    sources: [
      { title: 'eventlet extra marker', ref: 'celery@v5.6.3:requirements/extras/eventlet.txt' },
      { title: 'No gcpubsub extra in setup.py EXTENSIONS (5.5.0–5.6.3)', ref: 'celery@v5.6.3:setup.py' },
    ],
  },
  check(ctx) {
    const low = lowestPython(ctx.model.pythonVersions);
    const release = ctx.target ?? ctx.current;
    for (const d of ctx.model.dependencies) {
      if (d.name !== 'celery') continue;
      if (d.extras.includes('eventlet') && low && compareVersions(low.minor, '3.10') >= 0) {
        ctx.report({ loc: d.loc, key: 'eventlet', message: `celery[eventlet] installs nothing on Python ${low.minor} (its requirement is marked python_version<"3.10")`, hint: 'add `eventlet` as its own requirement' });
      }
      if (d.extras.includes('gcpubsub')) {
        const has = release ? Object.prototype.hasOwnProperty.call(release.extras, 'gcpubsub') : false;
        if (!has) ctx.report({ loc: d.loc, key: 'gcpubsub', message: `celery[gcpubsub] is not an extra of Celery${release ? ` ${release.version}` : ''}: pip installs nothing for it`, hint: 'require `kombu[gcpubsub]` instead' });
      }
    }
  },
};
