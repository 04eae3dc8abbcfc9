// setup.cfg (`[options] install_requires =` + indented lines, `python_requires`) and setup.py
// (`install_requires=[…]`, `python_requires='…'` as literal strings — jobctl does not run setup.py).
import type { Integration } from './types.js';
import type { ProjectModel, SourceFileInfo } from '../types.js';
import { basename, loc } from './text.js';
import { parseRequirement } from './pep508.js';

function pushRequirement(file: SourceFileInfo, model: ProjectModel, text: string, line: number, kind: 'setup-cfg' | 'setup-py'): void {
  const req = parseRequirement(text);
  if (!req) return;
  model.dependencies.push({
    name: req.name, rawName: req.rawName, extras: req.extras, specifier: req.specifier, version: req.version,
    ...(req.marker ? { marker: req.marker } : {}),
    file: file.file, loc: loc(file.file, line), kind, isLock: false,
  });
}

export const setupCfgIntegration: Integration = {
  id: 'setup-cfg',
  kind: 'setup',
  matches: (rel) => basename(rel) === 'setup.cfg',
  read(file, model) {
    const lines = file.text.split(/\r?\n/);
    let section = '';
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      const sec = /^\s*\[([^\]]+)\]/.exec(l);
      if (sec) {
        section = sec[1]!.trim();
        continue;
      }
      if (section !== 'options') continue;
      const kv = /^(install_requires|python_requires)\s*[=:]\s*(.*)$/.exec(l);
      if (!kv) continue;
      if (kv[1] === 'python_requires') {
        if (kv[2]!.trim()) model.pythonVersions.push({ value: kv[2]!.trim().replace(/\s+/g, ''), exact: false, file: file.file, loc: loc(file.file, i + 1), source: 'setup' });
        continue;
      }
      if (kv[2]!.trim()) pushRequirement(file, model, kv[2]!.trim(), i + 1, 'setup-cfg');
      for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]!); j++) {
        const t = lines[j]!.replace(/(^|\s)#.*$/, '').trim();
        if (t) pushRequirement(file, model, t, j + 1, 'setup-cfg');
        i = j;
      }
    }
  },
};

/**
 * The string literals of the Python list that opens at `open` (the index of its `[`), with their offsets,
 * up to the matching `]`: brackets inside strings (`"celery[redis]==5.3.6"`) and comments do not count.
 */
export function pyListStrings(text: string, open: number): { value: string; offset: number }[] {
  const out: { value: string; offset: number }[] = [];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const q = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < text.length && !text.startsWith(q, j)) {
        if (text[j] === '\\') j++;
        else if (text[j] === '\n' && q.length === 1) break;
        j++;
      }
      // a prefixed literal (f'', r'') is still a literal; an f-string with {..} is not a requirement
      const prefix = /[A-Za-z]+$/.exec(text.slice(Math.max(0, i - 2), i))?.[0] ?? '';
      if (depth === 1 && !/f/i.test(prefix)) out.push({ value: text.slice(i + q.length, j), offset: i + q.length });
      i = j + q.length - 1;
      continue;
    }
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) break;
    }
  }
  return out;
}

export const setupPyIntegration: Integration = {
  id: 'setup-py',
  kind: 'python',
  matches: (rel) => basename(rel) === 'setup.py',
  read(file, model) {
    const text = file.text;
    const ir = /\binstall_requires\s*=\s*(\[|[A-Za-z_]\w*)/.exec(text);
    let open = -1;
    if (ir && ir[1] === '[') open = ir.index + ir[0].length - 1;
    else if (ir) {
      // install_requires=REQUIREMENTS with `REQUIREMENTS = [...]` at module level in the same file
      const def = new RegExp(`^${ir[1]}\\s*=\\s*\\[`, 'm').exec(text);
      if (def) open = def.index + def[0].length - 1;
    }
    if (open >= 0) {
      for (const s of pyListStrings(text, open)) {
        const line = text.slice(0, s.offset).split('\n').length;
        pushRequirement(file, model, s.value, line, 'setup-py');
      }
    }
    const pr = /python_requires\s*=\s*(['"])([^'"]+)\1/.exec(text);
    if (pr) model.pythonVersions.push({ value: pr[2]!.replace(/\s+/g, ''), exact: false, file: file.file, loc: loc(file.file, text.slice(0, pr.index).split('\n').length), source: 'setup' });
  },
};
