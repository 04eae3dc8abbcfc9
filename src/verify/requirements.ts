// The requirement lines a rehearsal venv gets: the project's own manifest requirements (what the
// team declared for production), with Celery replaced by the version under test. A pin the team
// wrote by hand (kombu==5.3.4, redis==4.6.0) is kept on purpose: if it conflicts with the target,
// that is exactly what the deps stage must show. Lock files are used only when there is no
// manifest, minus Celery's own family, which the upgrade regenerates anyway.
import type { Dependency, ProjectModel } from '../model/types.js';

const CELERY_FAMILY = new Set(['celery', 'kombu', 'billiard', 'vine', 'amqp', 'click', 'click-didyoumean', 'click-repl', 'click-plugins', 'redis', 'tzdata', 'python-dateutil']);
const NON_PROD_FILE = /(^|[-_./])(dev|test|tests|testing|lint|docs?|ci|local)([-_.]|$)/i;

function requirementLine(d: Dependency): string {
  const extras = d.extras.length ? `[${d.extras.join(',')}]` : '';
  const spec = d.pep440 ?? d.specifier;
  return `${d.rawName}${extras}${spec}${d.marker ? ` ; ${d.marker}` : ''}`;
}

export interface RequirementSet {
  lines: string[];
  /** where they came from, for the evidence */
  sources: string[];
  celeryExtras: string[];
}

/**
 * `harnessRedis`: the project's own broker is not Redis, but jobctl drives the worker over its own
 * private Redis; ask for kombu[redis] so pip picks a kombu whose Redis transport accepts the
 * redis-py it installs (otherwise celery[redis]==5.3.x + kombu 5.7 fails in jobctl's harness only —
 * a failure production on another broker would never see).
 */
export function requirementsFor(model: ProjectModel, celeryVersion: string, opts: { withPytest?: boolean; harnessRedis?: boolean } = {}): RequirementSet {
  const prod = (d: Dependency): boolean => !NON_PROD_FILE.test(d.file.split('/').pop() ?? '') && !/(^|\/)tests?\//.test(d.file);
  const manifests = model.dependencies.filter((d) => !d.isLock && prod(d));
  const locks = model.dependencies.filter((d) => d.isLock && prod(d));
  const chosen = manifests.length > 0 ? manifests : locks.filter((d) => !CELERY_FAMILY.has(d.name));
  const byName = new Map<string, Dependency>();
  for (const d of chosen) if (!byName.has(d.name)) byName.set(d.name, d);
  const celeryDeps = model.dependencies.filter((d) => d.name === 'celery');
  const extras = [...new Set(['redis', ...celeryDeps.flatMap((d) => d.extras)])].sort();
  const lines = [`celery[${extras.join(',')}]==${celeryVersion}`];
  for (const [name, d] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    if (name === 'celery') continue;
    lines.push(requirementLine(d));
  }
  if (opts.harnessRedis && !byName.has('kombu')) lines.push('kombu[redis]');
  if (opts.withPytest && !byName.has('pytest')) lines.push('pytest');
  return { lines, sources: [...new Set(chosen.map((d) => d.file))].sort(), celeryExtras: extras };
}
