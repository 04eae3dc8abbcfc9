// Pipfile (TOML): [packages] / [dev-packages] with "*", "==5.3.4" or {version = …, extras = […]},
// and [requires] python_version.
import type { Integration } from './types.js';
import { readToml } from './pyproject.js';
import { basename, escapeRe, findLine, loc, normalizeName } from './text.js';
import { exactVersion, isValidSpecifier } from './pep508.js';

export const pipfileIntegration: Integration = {
  id: 'pipfile',
  kind: 'pyproject',
  matches: (rel) => basename(rel) === 'Pipfile',
  read(file, model) {
    const doc = readToml(file, model);
    if (!doc) return;
    for (const section of ['packages', 'dev-packages']) {
      const table = doc[section];
      if (typeof table !== 'object' || table === null) continue;
      const sectionLine = findLine(file.text, new RegExp(`^\\s*\\[${escapeRe(section)}\\]`));
      for (const [rawName, value] of Object.entries(table as Record<string, unknown>)) {
        const v = typeof value === 'string' ? value : typeof value === 'object' && value !== null && typeof (value as { version?: unknown }).version === 'string' ? (value as { version: string }).version : null;
        if (v === null) continue; // git/path entries
        const spec = v === '*' ? '' : v.replace(/\s+/g, '');
        const extrasRaw = typeof value === 'object' && value !== null ? (value as { extras?: unknown }).extras : undefined;
        model.dependencies.push({
          name: normalizeName(rawName), rawName,
          extras: Array.isArray(extrasRaw) ? extrasRaw.filter((e): e is string => typeof e === 'string') : [],
          specifier: spec && isValidSpecifier(spec) ? spec : '', version: exactVersion(spec),
          file: file.file, loc: loc(file.file, findLine(file.text, new RegExp(`^\\s*["']?${escapeRe(rawName)}["']?\\s*=`), sectionLine, sectionLine)),
          kind: 'pipfile', isLock: false,
        });
      }
    }
    const req = doc.requires as { python_version?: unknown; python_full_version?: unknown } | undefined;
    const pv = typeof req?.python_full_version === 'string' ? req.python_full_version : typeof req?.python_version === 'string' ? req.python_version : null;
    if (pv) model.pythonVersions.push({ value: pv, exact: true, file: file.file, loc: loc(file.file, findLine(file.text, /^\s*python_(full_)?version\s*=/)), source: 'pipfile' });
  },
};
