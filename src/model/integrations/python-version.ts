// The Python a project runs on, from the files that pin it for tools and platforms:
// .python-version (pyenv, uv), runtime.txt (Heroku-style `python-3.11.4`).
import type { Integration } from './types.js';
import { basename, loc } from './text.js';

export const pythonVersionFileIntegration: Integration = {
  id: 'python-version',
  kind: 'other',
  matches: (rel) => basename(rel) === '.python-version' || basename(rel) === 'runtime.txt',
  read(file, model) {
    const lines = file.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i]!.replace(/#.*$/, '').trim();
      if (!t) continue;
      const m = /^(?:python-|cpython-)?(3\.\d+(?:\.\d+)?)\b/.exec(t);
      if (m) {
        const source = basename(file.file) === 'runtime.txt' ? 'runtime-txt' : 'python-version-file';
        model.pythonVersions.push({ value: m[1]!, exact: true, file: file.file, loc: loc(file.file, i + 1), source });
      }
      break; // pyenv reads the first version; others are fallbacks
    }
  },
};
