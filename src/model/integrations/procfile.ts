// Procfile (Heroku, Dokku, honcho, foreman): `process: command` per line; a command that runs a
// script (`worker: bin/start-worker`) is a reference. Templated Procfiles are read with tags blanked.
import type { Integration, Reference } from './types.js';
import { basename, loc } from './text.js';
import { parseCeleryInvocations, scriptsRun } from './celery-command.js';
import { templateView, unreadTemplated } from './template.js';

export const procfileIntegration: Integration = {
  id: 'procfile',
  kind: 'procfile',
  matches: (rel) => /^Procfile(\.[\w.-]+)?$/.test(basename(rel)),
  read(file, model) {
    const view = templateView(file);
    const lines = view.text.split(/\r?\n/);
    const references: Reference[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*([A-Za-z0-9_-]+)\s*:\s*(.+)$/.exec(lines[i]!);
      if (!m || lines[i]!.trim().startsWith('#')) continue;
      if (view.unknownLines.has(i + 1)) {
        if (/celery/.test(m[2]!)) unreadTemplated(model, file.file, i + 1, `the ${m[1]!} process`);
        continue;
      }
      const at = loc(file.file, i + 1, lines[i]!.indexOf(m[2]!) + 1);
      const found = parseCeleryInvocations(m[2]!, { source: 'procfile', file: file.file, loc: at, processName: m[1]! });
      model.workerCommands.push(...found);
      if (found.length === 0) for (const p of scriptsRun(m[2]!)) references.push({ kind: 'run', path: p, base: '', from: at, launcher: { source: 'procfile', file: file.file, loc: at, processName: m[1]! } });
    }
    return { references };
  },
};
