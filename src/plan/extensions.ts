// Celery extensions whose old releases do not run on Celery 5: pip refuses them (their Requires-Dist caps
// celery below 5) or they import a module 5.0 removed. Read from the extensions' own wheels (METADATA and
// the import lines), not from changelogs; a project that pins such a release must bump it with Celery.
import { compare } from '@renovatebot/pep440';
import type { ProjectModel } from '../model/types.js';
import type { ReleaseFacts } from '../knowledge/types.js';
import type { ManualEdit } from './types.js';

interface ExtensionCap {
  name: string;
  /** the first release that works with Celery 5 */
  fixedIn: string;
  why: string;
  source: string;
}

export const CELERY5_EXTENSION_CAPS: ExtensionCap[] = [
  { name: 'django-celery-results', fixedIn: '2.0.0', why: 'django-celery-results 1.x requires celery<5.0 (Requires-Dist `celery (<5.0,>=4.4)`): pip cannot install it next to Celery 5', source: 'django_celery_results-1.2.1 and -2.0.0 wheels, METADATA' },
  { name: 'django-celery-beat', fixedIn: '2.0.0', why: 'django-celery-beat 1.x imports `celery.five` (django_celery_beat/schedulers.py, managers.py), which Celery 5.0 removed: beat fails with ImportError', source: 'django_celery_beat-1.5.0 and -2.0.0 wheels, schedulers.py' },
  { name: 'flower', fixedIn: '1.0.0', why: 'flower 0.9.x requires celery<5.0.0 (Requires-Dist `celery (<5.0.0,>=4.3.0)`)', source: 'flower-0.9.7 and -1.0.0 wheels, METADATA' },
];

/** A manual edit for every pinned extension release (manifests, not locks) that Celery 5 cannot run with. */
export function extensionBumps(model: ProjectModel, from: ReleaseFacts | undefined, to: ReleaseFacts): ManualEdit[] {
  if (!from || compare(from.version, '5.0.0') >= 0 || compare(to.version, '5.0.0') < 0) return [];
  const out: ManualEdit[] = [];
  for (const cap of CELERY5_EXTENSION_CAPS) {
    const pinned = model.dependencies.filter((x) => x.name === cap.name && x.version && compare(x.version, cap.fixedIn) < 0);
    // a manifest pin is edited; a lock-only pin survives a plain re-lock (pip-compile keeps what still
    // resolves, and 1.x does not declare the cap), so the lock is told to upgrade it
    const manifests = pinned.filter((d) => !d.isLock);
    for (const d of manifests.length > 0 ? manifests : pinned) {
      out.push({
        file: d.file, line: d.loc.line, title: `Bump \`${d.rawName}\` with Celery (${d.version} does not run on Celery 5)`,
        why: `${cap.why} (${cap.source}).`,
        suggestion: d.isLock
          ? `upgrade it when regenerating ${d.file}: \`pip-compile --upgrade-package '${cap.name}>=${cap.fixedIn}'\` / \`poetry update ${cap.name}\` / \`uv lock --upgrade-package ${cap.name}\``
          : `\`${d.rawName}>=${cap.fixedIn}\` (a release that allows Celery ${to.version}; then regenerate the lock)`,
      });
    }
  }
  return out;
}
