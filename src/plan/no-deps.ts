// `pip install --no-deps -r requirements.txt` (hashed/vendored installs, some Docker builds): pip installs
// exactly what the file lists, so every Requires-Dist of the target Celery (and of the kombu it brings) must be
// listed there. New requirements of the target that the file lacks are a manual edit at that file.
import type { ProjectModel } from '../model/types.js';
import type { LoadedKnowledge, ReleaseFacts } from '../knowledge/index.js';
import type { ManualEdit } from './types.js';
import { safeSatisfies } from '../rules/lib/versions.js';

/** Python minor the requirement marker applies to, loosely: markers for Pythons below 3.9 are skipped. */
function applies(spec: string, python: string | null): boolean {
  const marker = /python_version\s*(<=?|>=?|==)\s*"(\d+\.\d+)"/.exec(spec);
  if (!marker) return true;
  const [maj, min] = (python ?? '3.11').split('.').map(Number) as [number, number];
  const [tmaj, tmin] = marker[2]!.split('.').map(Number) as [number, number];
  const c = maj !== tmaj ? maj - tmaj : min - tmin;
  return { '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0, '==': c === 0 }[marker[1] as '<'] ?? true;
}

export function noDepsInstalls(model: ProjectModel, k: LoadedKnowledge, to: ReleaseFacts, python: string | null): ManualEdit[] {
  const out: ManualEdit[] = [];
  const listed = new Set(model.dependencies.map((d) => d.name));
  for (const f of model.files) {
    f.text.split(/\r?\n/).forEach((line, i) => {
      if (!/\bpip3?\s+install\b/.test(line) || !/--no-deps\b/.test(line)) return;
      const req = /(?:-r|--requirement)[\s=]+([^\s;&|]+)/.exec(line)?.[1];
      if (!req) return;
      const file = model.dependencies.find((d) => d.file === req || d.file.endsWith(`/${req}`))?.file ?? req;
      // with --no-deps the kombu installed is the one the file pins, when the target accepts it
      const pinned = model.dependencies.find((d) => d.name === 'kombu' && d.version)?.version;
      const keep = pinned && to.requires.kombu !== undefined && safeSatisfies(pinned, to.requires.kombu.split(';')[0]!.trim());
      const kombu = (keep ? k.kombuReleases.find((r) => r.version === pinned) : null) ?? k.kombuFor(to.version, python ?? undefined);
      const needs = { ...to.requires, ...(kombu?.requires ?? {}) };
      const missing = Object.entries(needs).filter(([name, spec]) => !listed.has(name) && applies(spec, python)).map(([name, spec]) => `${name}${spec.split(';')[0]!.trim()}`);
      if (missing.length === 0) return;
      out.push({
        file: f.file, line: i + 1, title: `\`pip install --no-deps\` installs only what ${file} lists: Celery ${to.version} needs ${missing.length} more package(s)`,
        why: `With --no-deps pip does not follow Requires-Dist, so Celery ${to.version}${kombu ? ` and kombu ${kombu.version}` : ''} would start without ${missing.map((m) => m.split(/[<>=!~]/)[0]).join(', ')} (ImportError at worker start).`,
        suggestion: `add to ${file}: ${missing.map((m) => `\`${m}\``).join(', ')}`,
      });
    });
  }
  return out;
}
