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
    description: `Three Celery extras do less than their names promise. \`celery[eventlet]\` is \`eventlet>=0.32.0; python_version<"3.10"\` from 5.2.0 on, so on Python 3.10+ it installs nothing and \`-P eventlet\` fails at start. \`celery[gcpubsub]\` is named in the 5.5 release notes, but Celery defines it only from 5.7.0 on (\`Provides-Extra: gcpubsub\`, which requires \`kombu[gcpubsub]>=5.5.0\`): with 5.5.x–5.6.x pip warns "does not provide the extra" and installs nothing, so the Pub/Sub transport fails to import. \`celery[librabbitmq]\` is \`librabbitmq>=2.0.0; python_version<"3.11"\` from 5.3.1 on, so on Python 3.11+ it installs nothing and \`amqp://\` runs on py-amqp. The release checked is the one the requirement pins, else the project's current Celery.`,
    fix: 'Install the package directly (`eventlet`, or `kombu[gcpubsub]`), or, for gcpubsub, upgrade to Celery 5.7.0.',
    sources: [
      { title: 'eventlet extra marker', ref: 'celery@v5.6.3:requirements/extras/eventlet.txt' },
      { title: 'librabbitmq extra restricted to Python < 3.11 (celery#8296, merged 2023-06-07)', ref: 'celery@v5.6.3:requirements/extras/librabbitmq.txt' },
      { title: 'No gcpubsub extra in setup.py EXTENSIONS (5.5.0–5.6.3)', ref: 'celery@v5.6.3:setup.py' },
      { title: 'celery 5.7.0 METADATA: Provides-Extra: gcpubsub (kombu[gcpubsub]>=5.5.0)', ref: 'https://pypi.org/project/celery/5.7.0/' },
    ],
  },
  check(ctx) {
    const low = lowestPython(ctx.model.pythonVersions);
    const k = ctx.knowledge;
    const firstWithGcpubsub = k.releases.find((r) => Object.prototype.hasOwnProperty.call(r.extras, 'gcpubsub'))?.version ?? null;
    for (const d of ctx.model.dependencies) {
      if (d.name !== 'celery') continue;
      if (d.extras.includes('eventlet') && low && compareVersions(low.minor, '3.10') >= 0) {
        ctx.report({ loc: d.loc, key: 'eventlet', message: `celery[eventlet] installs nothing on Python ${low.minor} (its requirement is marked python_version<"3.10")`, hint: 'add `eventlet` as its own requirement' });
      }
      // celery[librabbitmq] is `librabbitmq>=2.0.0; python_version < "3.11"` from 5.3.1 on (celery#8296, merged after 5.3.0;
      // the 5.2.7 wheel has no marker, the 5.3.6/5.6.3/5.7.0 wheels have it): on 3.11+ it installs nothing and kombu's
      // amqp:// falls back to py-amqp
      const rabbitRelease = d.version ?? ctx.current?.version ?? null;
      if (d.extras.includes('librabbitmq') && low && compareVersions(low.minor, '3.11') >= 0 && rabbitRelease && compareVersions(rabbitRelease, '5.3.1') >= 0) {
        ctx.report({ loc: d.loc, key: 'librabbitmq', message: `celery[librabbitmq] installs nothing on Python ${low.minor} (Celery ${rabbitRelease} marks its requirement python_version<"3.11"): the amqp:// transport runs on py-amqp, not the C library the extra names`, hint: 'drop the extra (py-amqp is what Celery recommends), or run Python 3.10 if you need librabbitmq' });
      }
      if (d.extras.includes('gcpubsub')) {
        // the release this requirement installs: its own pin, else the project's current Celery
        const release = (d.version ? k.releases.find((r) => r.version === d.version) : null) ?? ctx.current;
        if (!release || Object.prototype.hasOwnProperty.call(release.extras, 'gcpubsub')) continue;
        const upgrade = firstWithGcpubsub ? `, or upgrade to celery ${firstWithGcpubsub}, the first release that defines it` : '';
        ctx.report({
          loc: d.loc, key: 'gcpubsub',
          message: `celery[gcpubsub] is not an extra of Celery ${release.version}${firstWithGcpubsub ? ` (it exists from ${firstWithGcpubsub} on)` : ''}: pip installs nothing for it`,
          hint: `require \`kombu[gcpubsub]\` instead${upgrade}`,
        });
      }
    }
  },
};
