// pyproject.toml: PEP 621 `[project]` dependencies and requires-python, PEP 735 dependency groups,
// uv's dev-dependencies, and Poetry's `[tool.poetry.*dependencies]` (constraints converted to
// PEP 440 for comparison; written form kept). smol-toml gives no positions, so each fact is placed
// on the first line that spells it.
import { parse as parseToml } from 'smol-toml';
import { templateView } from './template.js';
import type { Dependency, ProjectModel, SourceFileInfo } from '../types.js';
import type { Integration } from './types.js';
import { escapeRe, findLine, loc, basename, normalizeName } from './text.js';
import { parseRequirement, poetryToPep440, exactVersion } from './pep508.js';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readToml(file: SourceFileInfo, model: ProjectModel): Table | null {
  const view = templateView(file);
  try {
    return parseToml(view.text) as Table;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    if (view.templated) {
      model.unread.push({ file: file.file, what: 'this TOML file', reason: 'a template (Jinja/cookiecutter) that is not valid TOML once its tags are blanked' });
      return null;
    }
    model.notes.push({ level: 'warning', file: file.file, message: `not valid TOML (${msg}); fix the file so jobctl (and pip) can read it` });
    return null;
  }
}

function pep508List(file: SourceFileInfo, model: ProjectModel, list: unknown, kind: Dependency['kind']): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (typeof item !== 'string') continue; // PEP 735 {include-group = …}
    const req = parseRequirement(item);
    if (!req) {
      model.notes.push({ level: 'warning', file: file.file, message: `\`${item}\` is not a valid PEP 508 requirement` });
      continue;
    }
    const line = findLine(file.text, new RegExp(`["']${escapeRe(item.trim())}`), 1, findLine(file.text, new RegExp(`["']${escapeRe(req.rawName)}`)));
    model.dependencies.push({
      name: req.name, rawName: req.rawName, extras: req.extras, specifier: req.specifier, version: req.version,
      ...(req.marker ? { marker: req.marker } : {}),
      file: file.file, loc: loc(file.file, line), kind, isLock: false,
    });
  }
}

function poetryTable(file: SourceFileInfo, model: ProjectModel, deps: unknown, sectionHeader: RegExp): void {
  if (!isTable(deps)) return;
  const sectionLine = findLine(file.text, sectionHeader, 1, 1);
  for (const [rawName, value] of Object.entries(deps)) {
    const line = findLine(file.text, new RegExp(`^\\s*["']?${escapeRe(rawName)}["']?\\s*=`), sectionLine, sectionLine);
    const constraint = typeof value === 'string' ? value : isTable(value) && typeof value.version === 'string' ? value.version : null;
    if (rawName.toLowerCase() === 'python') {
      if (constraint) {
        const pep = poetryToPep440(constraint);
        if (pep !== null && pep !== '') model.pythonVersions.push({ value: pep, exact: false, file: file.file, loc: loc(file.file, line), source: 'poetry' });
      }
      continue;
    }
    if (constraint === null) continue; // path / git dependencies
    const pep = poetryToPep440(constraint);
    const extras = isTable(value) && Array.isArray(value.extras) ? value.extras.filter((e): e is string => typeof e === 'string') : [];
    model.dependencies.push({
      name: normalizeName(rawName), rawName, extras, specifier: constraint, version: pep ? exactVersion(pep) : null,
      ...(pep ? { pep440: pep } : {}),
      file: file.file, loc: loc(file.file, line), kind: 'pyproject-poetry', isLock: false,
    });
  }
}

export const pyprojectIntegration: Integration = {
  id: 'pyproject',
  kind: 'pyproject',
  matches: (rel) => basename(rel) === 'pyproject.toml',
  read(file, model) {
    const doc = readToml(file, model);
    if (!doc) return;
    const project = isTable(doc.project) ? doc.project : null;
    if (project) {
      pep508List(file, model, project.dependencies, 'pyproject-pep621');
      if (isTable(project['optional-dependencies'])) for (const list of Object.values(project['optional-dependencies'])) pep508List(file, model, list, 'pyproject-pep621');
      const rp = project['requires-python'];
      if (typeof rp === 'string') {
        model.pythonVersions.push({ value: rp.replace(/\s+/g, ''), exact: false, file: file.file, loc: loc(file.file, findLine(file.text, /^\s*requires-python\s*=/)), source: 'requires-python' });
      }
    }
    if (isTable(doc['dependency-groups'])) for (const list of Object.values(doc['dependency-groups'])) pep508List(file, model, list, 'pyproject-pep621');
    const tool = isTable(doc.tool) ? doc.tool : {};
    if (isTable(tool.uv)) pep508List(file, model, tool.uv['dev-dependencies'], 'pyproject-pep621');
    const poetry = isTable(tool.poetry) ? tool.poetry : null;
    if (poetry) {
      poetryTable(file, model, poetry.dependencies, /^\s*\[tool\.poetry\.dependencies\]/);
      poetryTable(file, model, poetry['dev-dependencies'], /^\s*\[tool\.poetry\.dev-dependencies\]/);
      if (isTable(poetry.group)) {
        for (const [g, table] of Object.entries(poetry.group)) {
          if (isTable(table)) poetryTable(file, model, table.dependencies, new RegExp(`^\\s*\\[tool\\.poetry\\.group\\.${escapeRe(g)}\\.dependencies\\]`));
        }
      }
    }
  },
};
