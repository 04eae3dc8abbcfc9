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

export const setupPyIntegration: Integration = {
  id: 'setup-py',
  kind: 'python',
  matches: (rel) => basename(rel) === 'setup.py',
  read(file, model) {
    const text = file.text;
    const ir = /install_requires\s*=\s*\[([\s\S]*?)\]/.exec(text);
    if (ir) {
      const base = ir.index + ir[0].indexOf('[');
      const strRe = /(['"])([^'"\n]+)\1/g;
      let m: RegExpExecArray | null;
      while ((m = strRe.exec(ir[1]!))) {
        const offset = base + 1 + m.index;
        const line = text.slice(0, offset).split('\n').length;
        pushRequirement(file, model, m[2]!, line, 'setup-py');
      }
    }
    const pr = /python_requires\s*=\s*(['"])([^'"]+)\1/.exec(text);
    if (pr) model.pythonVersions.push({ value: pr[2]!.replace(/\s+/g, ''), exact: false, file: file.file, loc: loc(file.file, text.slice(0, pr.index).split('\n').length), source: 'setup' });
  },
};
