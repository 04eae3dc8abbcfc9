// Lock files: what an install of the project really gets. poetry.lock and uv.lock are TOML with a
// `[[package]]` array (name, version); Pipfile.lock is JSON (`default`/`develop`: name → {version}).
import type { Integration } from './types.js';
import type { ProjectModel, SourceFileInfo } from '../types.js';
import { readToml } from './pyproject.js';
import { basename, escapeRe, findLine, loc, normalizeName } from './text.js';
import { exactVersion } from './pep508.js';

/** Line numbers of each `name = "…"` line inside a `[[package]]` block, in order. */
function packageNameLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let inPackage = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*\[\[package\]\]\s*$/.test(l)) {
      inPackage = true;
      continue;
    }
    if (/^\s*\[/.test(l)) inPackage = false;
    const m = inPackage ? /^name\s*=\s*"([^"]+)"/.exec(l) : null;
    if (m && !out.has(normalizeName(m[1]!))) out.set(normalizeName(m[1]!), i + 1);
  }
  return out;
}

function readTomlLock(file: SourceFileInfo, model: ProjectModel, kind: 'poetry-lock' | 'uv-lock'): void {
  const doc = readToml(file, model);
  if (!doc) return;
  const lines = packageNameLines(file.text);
  const packages = Array.isArray(doc.package) ? doc.package : [];
  for (const p of packages as Record<string, unknown>[]) {
    if (typeof p?.name !== 'string' || typeof p.version !== 'string') continue;
    const name = normalizeName(p.name);
    model.dependencies.push({
      name, rawName: p.name, extras: [], specifier: `==${p.version}`, version: p.version,
      file: file.file, loc: loc(file.file, lines.get(name) ?? 1), kind, isLock: true,
    });
  }
  if (kind === 'uv-lock' && typeof doc['requires-python'] === 'string') {
    model.pythonVersions.push({ value: doc['requires-python'].replace(/\s+/g, ''), exact: false, file: file.file, loc: loc(file.file, findLine(file.text, /^requires-python\s*=/)), source: 'uv-lock' });
  }
}

export const poetryLockIntegration: Integration = {
  id: 'poetry-lock',
  kind: 'lock',
  matches: (rel) => basename(rel) === 'poetry.lock',
  read: (file, model) => readTomlLock(file, model, 'poetry-lock'),
};

export const uvLockIntegration: Integration = {
  id: 'uv-lock',
  kind: 'lock',
  matches: (rel) => basename(rel) === 'uv.lock',
  read: (file, model) => readTomlLock(file, model, 'uv-lock'),
};

export const pipfileLockIntegration: Integration = {
  id: 'pipfile-lock',
  kind: 'lock',
  matches: (rel) => basename(rel) === 'Pipfile.lock',
  read(file, model) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(file.text) as Record<string, unknown>;
    } catch (err) {
      model.notes.push({ level: 'warning', file: file.file, message: `not valid JSON (${(err as Error).message}); regenerate it with \`pipenv lock\`` });
      return;
    }
    for (const section of ['default', 'develop']) {
      const table = doc[section];
      if (typeof table !== 'object' || table === null) continue;
      const sectionLine = findLine(file.text, new RegExp(`^\\s*"${section}"\\s*:`));
      for (const [rawName, entry] of Object.entries(table as Record<string, { version?: unknown; extras?: unknown }>)) {
        const spec = typeof entry?.version === 'string' ? entry.version : '';
        const extras = Array.isArray(entry?.extras) ? entry.extras.filter((e): e is string => typeof e === 'string') : [];
        model.dependencies.push({
          name: normalizeName(rawName), rawName, extras, specifier: spec, version: exactVersion(spec),
          file: file.file, loc: loc(file.file, findLine(file.text, new RegExp(`^\\s*"${escapeRe(rawName)}"\\s*:`), sectionLine, sectionLine)),
          kind: 'pipfile-lock', isLock: true,
        });
      }
    }
    const meta = (doc._meta as { requires?: { python_version?: unknown; python_full_version?: unknown } } | undefined)?.requires;
    const pv = typeof meta?.python_full_version === 'string' ? meta.python_full_version : typeof meta?.python_version === 'string' ? meta.python_version : null;
    if (pv) model.pythonVersions.push({ value: pv, exact: true, file: file.file, loc: loc(file.file, findLine(file.text, /"python_(full_)?version"/)), source: 'pipfile' });
  },
};
